"""The privacy gate over EtlTaskManager with a real client: the policy on the task, the outbox's verdict, and Upload
refused with FAILED_PRECONDITION naming each failing threshold — or published by an administrator with a reason.

usage: privacy_scenarios.py BASE_URL GRPC_TARGET CRM_CONNECTION_STRING WAREHOUSE_CONNECTION_STRING
"""
import json
import sys
import time
import uuid

from google.protobuf import empty_pb2

from etl_grpc import PB, Client, dev_token, postgres_connection, released_script

base, target, crm_cs, warehouse_cs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
sm, tm, ext = PB["script_manager"], PB["task_manager"], PB["ext_datamodule_manager"]
SM, TM, EXT = "etl.script.manager.V1.ScriptManager", "etl.task.manager.V1.EtlTaskManager", "etl.ext.datamodule.manager.V1.ExtDatamoduleManager"
alice, dave = Client(target, dev_token(base, "alice")), Client(target, dev_token(base, "dave"))
out = {}


def record(name, result, **extra):
    code, details, response = result
    out[name] = {"code": code, "details": details, **extra}
    return response


def released(script):
    return released_script(alice, script)


def connection(name, cs):
    return postgres_connection(alice, name, cs)


def task(policy_name, policy):
    t = alice.call(TM, "CreateTask", tm.CreateTaskRequest(name="privacy-" + uuid.uuid4().hex[:6]), tm.CreateTaskResponse).id
    ex = released(sm.Script(name="customers", extractor=empty_pb2.Empty(), body="SELECT id, age, city FROM customers"))
    alice.call(TM, "UpdateExtractionScript", tm.UpdateExtractionScriptRequest(task_id=t, tables=[tm.Table(
        name="customers", primary_key="id", merge_strategy=tm.SOURCE_PRIORITY,
        columns=[tm.Column(name="id", type=tm.INTEGER), tm.Column(name="age", type=tm.INTEGER), tm.Column(name="city", type=tm.STRING)],
        extractions=[tm.Extraction(script_id=ex, connection_id=crm, priority=1)])]), tm.UpdateTaskResponse)
    alice.call(TM, "UpdateAnonymizationRules", tm.UpdateAnonymizationRulesRequest(task_id=t, rules=[
        tm.AnonymizationBinding(table="customers", column="age", quasi_identifier=True)]), tm.UpdateTaskResponse)
    record(policy_name, alice.result(TM, "UpdatePrivacyPolicy", tm.UpdatePrivacyPolicyRequest(task_id=t, policy=policy), tm.UpdateTaskResponse))
    up = released(sm.Script(name="upload", uploader=empty_pb2.Empty()))
    alice.call(TM, "UpdateUploadingScript", tm.UpdateUploadingScriptRequest(task_id=t, upload=tm.Upload(script_id=up, destination_connection_id=warehouse)), tm.UpdateTaskResponse)
    alice.call(TM, "Release", tm.ReleaseRequest(task_id=t), tm.ReleaseResponse)
    return t


def wait(run_id, states, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        run = alice.call(TM, "GetRun", tm.RunRequest(run_id=run_id), tm.RunResponse).run
        if run.state in states:
            return run
        time.sleep(0.25)
    raise TimeoutError(f"run {run_id} never reached {states}")


def prepared(t):
    run_id = alice.call(TM, "Start", tm.StartRequest(task_id=t), tm.RunResponse).run.id
    wait(run_id, {"Prepared"})
    return run_id


crm = connection("privacy-crm", crm_cs)
warehouse = connection("privacy-dw", warehouse_cs)

# The demo customers are never 100000 to an age, nor is any age shared by 10000 of them: both thresholds fail.
strict = task("policy_set", tm.PrivacyPolicy(min_k=100000, max_highest_risk=0.0001, max_removed_share=0, has_max_removed_share=True))
record("policy_invalid", alice.result(TM, "UpdatePrivacyPolicy", tm.UpdatePrivacyPolicyRequest(
    task_id=strict, policy=tm.PrivacyPolicy(min_k=1, max_average_risk=2)), tm.UpdateTaskResponse))
got = alice.call(TM, "GetTask", tm.GetTaskRequest(id=strict), tm.GetTaskResponse).task
out["task_policy"] = {"min_k": got.privacy_policy.min_k, "has_max_removed_share": got.privacy_policy.has_max_removed_share,
                      "proposed_min_k": got.proposed_privacy_policy.min_k, "has_policy": got.HasField("privacy_policy")}
strict_run = prepared(strict)
verdict = record("outbox_privacy", alice.result(TM, "GetOutboxPrivacy", tm.RunRequest(run_id=strict_run), tm.OutboxPrivacyResponse))
out["outbox_privacy"].update(passed=verdict.passed, failing=[c.description for c in verdict.checks if not c.passed],
                             report=json.loads(verdict.report_json))
record("upload_refused", alice.result(TM, "Upload", tm.UploadRequest(run_id=strict_run), tm.RunResponse))
record("upload_denied", dave.result(TM, "Upload", tm.UploadRequest(run_id=strict_run, exception_reason="let me"), tm.RunResponse))
record("upload_missing_run", alice.result(TM, "Upload", tm.UploadRequest(run_id=str(uuid.uuid4())), tm.RunResponse))
record("upload_bad_id", alice.result(TM, "Upload", tm.UploadRequest(run_id="run-1"), tm.RunResponse))
# alice is an administrator: she publishes anyway, with a reason.
excepted = record("upload_exception", alice.result(TM, "Upload", tm.UploadRequest(
    run_id=strict_run, exception_reason="Synthetic demo customers; no real person behind them."), tm.RunResponse))
out["upload_exception"]["state"] = excepted.run.state if excepted else None
out["uploaded_with_exception"] = wait(strict_run, {"Uploaded", "Failed"}).state
after = alice.call(TM, "GetOutboxPrivacy", tm.RunRequest(run_id=strict_run), tm.OutboxPrivacyResponse)
out["exception_reason"] = after.exception_reason

lenient = task("policy_lenient", tm.PrivacyPolicy(max_removed_share=0, has_max_removed_share=True))
lenient_run = prepared(lenient)
uploaded = record("upload_passing", alice.result(TM, "Upload", tm.UploadRequest(run_id=lenient_run), tm.RunResponse))
out["upload_passing"]["state"] = uploaded.run.state if uploaded else None
print(json.dumps(out))
