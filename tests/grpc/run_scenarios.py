"""Runs the EtlTaskManager run lifecycle (Start, Pause, Resume, Stop, GetRun) with a real client and prints JSON.

usage: run_scenarios.py BASE_URL GRPC_TARGET CRM_CONNECTION_STRING WAREHOUSE_CONNECTION_STRING
"""
import json
import sys
import time
import uuid

from google.protobuf import empty_pb2, wrappers_pb2

from etl_grpc import PB, Client, dev_token, postgres_connection, released_script

base, target, crm_cs, warehouse_cs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
sm, tm, ext = PB["script_manager"], PB["task_manager"], PB["ext_datamodule_manager"]
SM, TM, EXT = "etl.script.manager.V1.ScriptManager", "etl.task.manager.V1.EtlTaskManager", "etl.ext.datamodule.manager.V1.ExtDatamoduleManager"
alice, dave = Client(target, dev_token(base, "alice")), Client(target, dev_token(base, "dave"))
out = {}


def record(name, result, **extra):
    code, details, response = result
    out[name] = {"code": code, "details": details, **extra}
    if response is not None and hasattr(response, "run"):
        out[name]["state"] = response.run.state
    return response


def released(script):
    return released_script(alice, script)


def connection(name, cs):
    return postgres_connection(alice, name, cs)


def task(source, transformations=()):
    t = alice.call(TM, "CreateTask", tm.CreateTaskRequest(name="runs-" + uuid.uuid4().hex[:6]), tm.CreateTaskResponse).id
    ex = released(sm.Script(name="customers", extractor=empty_pb2.Empty(), body="SELECT id, age, city FROM customers"))
    alice.call(TM, "UpdateExtractionScript", tm.UpdateExtractionScriptRequest(task_id=t, tables=[tm.Table(
        name="customers", primary_key="id", merge_strategy=tm.SOURCE_PRIORITY,
        columns=[tm.Column(name="id", type=tm.INTEGER), tm.Column(name="age", type=tm.INTEGER), tm.Column(name="city", type=tm.STRING)],
        extractions=[tm.Extraction(script_id=ex, connection_id=source, priority=1)])]), tm.UpdateTaskResponse)
    if transformations:
        alice.call(TM, "UpdateTransformationScripts", tm.UpdateTransformationScriptsRequest(task_id=t, script_ids=list(transformations)), tm.UpdateTaskResponse)
    up = released(sm.Script(name="upload", uploader=empty_pb2.Empty()))
    alice.call(TM, "UpdateUploadingScript", tm.UpdateUploadingScriptRequest(task_id=t, upload=tm.Upload(script_id=up, destination_connection_id=warehouse)), tm.UpdateTaskResponse)
    alice.call(TM, "Release", tm.ReleaseRequest(task_id=t), tm.ReleaseResponse)
    return t


def wait(run_id, states, seconds=90):
    deadline = time.time() + seconds
    while time.time() < deadline:
        run = alice.call(TM, "GetRun", tm.RunRequest(run_id=run_id), tm.RunResponse).run
        if run.state in states:
            return run
        time.sleep(0.25)
    raise TimeoutError(f"run {run_id} never reached {states}")


crm = connection("alice-crm", crm_cs)
warehouse = connection("alice-dw", warehouse_cs)
# A transformation that takes a few seconds, so the run is still going when it is paused and started again.
slow = released(sm.Script(name="slow counts", transformer=sm.TransformationScript(
    transformation_script=wrappers_pb2.StringValue(value="SELECT c.city, count(*) AS n FROM customers c CROSS JOIN pg_sleep(3) GROUP BY c.city"),
    type=sm.Merge, target_table="city_counts")))
t = task(crm, [slow])

started = record("start", alice.result(TM, "Start", tm.StartRequest(task_id=t, seed=7, has_seed=True), tm.RunResponse))
run_id = started.run.id
record("start_again_while_active", alice.result(TM, "Start", tm.StartRequest(task_id=t), tm.RunResponse))
record("start_denied", dave.result(TM, "Start", tm.StartRequest(task_id=t), tm.RunResponse))
record("start_missing_task", alice.result(TM, "Start", tm.StartRequest(task_id=str(uuid.uuid4())), tm.RunResponse))
record("start_bad_id", alice.result(TM, "Start", tm.StartRequest(task_id="not-a-uuid"), tm.RunResponse))
wait(run_id, {"Running"})
paused = record("pause", alice.result(TM, "Pause", tm.RunRequest(run_id=run_id), tm.RunResponse))
out["pause"]["pause_requested"] = paused.run.pause_requested if paused else None
record("pause_twice", alice.result(TM, "Pause", tm.RunRequest(run_id=run_id), tm.RunResponse))
p = wait(run_id, {"Paused", "Failed"})
out["paused"] = {"code": "OK", "state": p.state, "steps": [s.name for s in p.steps if s.status == "Succeeded"]}
record("resume", alice.result(TM, "Resume", tm.RunRequest(run_id=run_id), tm.RunResponse))
done = wait(run_id, {"Prepared", "Failed"})
out["prepared"] = {"code": "OK", "state": done.state, "error": done.error,
                   "steps": [[s.name, s.status, s.rows_in, s.rows_out, s.rows_rejected] for s in done.steps]}
record("get_run_missing", alice.result(TM, "GetRun", tm.RunRequest(run_id=str(uuid.uuid4())), tm.RunResponse))
record("get_run_denied", dave.result(TM, "GetRun", tm.RunRequest(run_id=run_id), tm.RunResponse))
# Resuming a prepared run uploads its outbox.
record("resume_prepared", alice.result(TM, "Resume", tm.RunRequest(run_id=run_id), tm.RunResponse))
uploaded = wait(run_id, {"Uploaded", "Failed"})
out["uploaded"] = {"code": "OK", "state": uploaded.state, "error": uploaded.error}
record("stop_uploaded", alice.result(TM, "Stop", tm.StopRequest(run_id=run_id), tm.RunResponse))

# A running run stopped: cancelled within seconds.
second = alice.call(TM, "Start", tm.StartRequest(task_id=t), tm.RunResponse).run.id
wait(second, {"Running"})
record("stop_running", alice.result(TM, "Stop", tm.StopRequest(run_id=second), tm.RunResponse))
stopped = wait(second, {"Cancelled", "Prepared", "Failed"})
out["stopped"] = {"code": "OK", "state": stopped.state}

# A source that is down: the run fails with the reason; Resume retries from the failed step.
broken = task(connection("down", "Host=127.0.0.1;Port=1;Database=x;Username=u;Password=p"))
failed_id = alice.call(TM, "Start", tm.StartRequest(task_id=broken), tm.RunResponse).run.id
failed = wait(failed_id, {"Failed", "Prepared"})
out["failed"] = {"code": "OK", "state": failed.state, "error": failed.error}
record("resume_failed", alice.result(TM, "Resume", tm.RunRequest(run_id=failed_id), tm.RunResponse))
wait(failed_id, {"Failed"})
record("stop_delete_outbox", alice.result(TM, "Stop", tm.StopRequest(run_id=failed_id, delete_outbox=True), tm.RunResponse))
record("stop_again", alice.result(TM, "Stop", tm.StopRequest(run_id=failed_id), tm.RunResponse))

# ListRunRejects: a run whose field rules drop records, read back a page at a time and filtered.
age_rule = released(sm.Script(name="age 0-120", field_rule=sm.FieldRule(field_type=sm.Integer, type=sm.RemoveOutOfRange, min_value="0", max_value="120")))
email_rule = released(sm.Script(name="email required", field_rule=sm.FieldRule(field_type=sm.String, type=sm.RemoveEmpty)))
strict = alice.call(TM, "CreateTask", tm.CreateTaskRequest(name="rejects-" + uuid.uuid4().hex[:6]), tm.CreateTaskResponse).id
extract = released(sm.Script(name="customers", extractor=empty_pb2.Empty(), body="SELECT id, age, email FROM customers"))
alice.call(TM, "UpdateExtractionScript", tm.UpdateExtractionScriptRequest(task_id=strict, tables=[tm.Table(
    name="customers", primary_key="id", merge_strategy=tm.SOURCE_PRIORITY,
    columns=[tm.Column(name="id", type=tm.INTEGER), tm.Column(name="age", type=tm.INTEGER), tm.Column(name="email", type=tm.STRING)],
    extractions=[tm.Extraction(script_id=extract, connection_id=crm, priority=1)])]), tm.UpdateTaskResponse)
alice.call(TM, "UpdateFieldRules", tm.UpdateFieldRulesRequest(task_id=strict, rules=[
    tm.FieldRuleBinding(table="customers", column="age", script_ids=[age_rule]),
    tm.FieldRuleBinding(table="customers", column="email", script_ids=[email_rule])]), tm.UpdateTaskResponse)
uploader = released(sm.Script(name="upload", uploader=empty_pb2.Empty()))
alice.call(TM, "UpdateUploadingScript", tm.UpdateUploadingScriptRequest(task_id=strict, upload=tm.Upload(script_id=uploader, destination_connection_id=warehouse)), tm.UpdateTaskResponse)
alice.call(TM, "Release", tm.ReleaseRequest(task_id=strict), tm.ReleaseResponse)
strict_run = alice.call(TM, "Start", tm.StartRequest(task_id=strict), tm.RunResponse).run.id
out["rejects_run"] = {"code": "OK", "state": wait(strict_run, {"Prepared", "Failed"}).state}


def rejects(client=alice, **fields):
    return client.result(TM, "ListRunRejects", tm.ListRunRejectsRequest(**{"run_id": strict_run, **fields}), tm.ListRunRejectsResponse)


def summary(name, result):
    code, details, response = result
    out[name] = {"code": code, "details": details}
    if response is not None:
        out[name].update(total=response.total_count, page=response.page, ids=[x.id for x in response.rejects],
                         rules=sorted({x.rule for x in response.rejects}), columns=sorted({x.column for x in response.rejects}),
                         steps=sorted({x.step for x in response.rejects}), tables=sorted({x.table for x in response.rejects}),
                         records=[json.loads(x.record_json) for x in response.rejects], reasons=[x.reason for x in response.rejects])


summary("rejects_all", rejects())
summary("rejects_page_1", rejects(page=1, page_size=20))
summary("rejects_page_2", rejects(page=2, page_size=20))
summary("rejects_page_3", rejects(page=3, page_size=20))
summary("rejects_page_4", rejects(page=4, page_size=20))
summary("rejects_step_field_rules", rejects(step="FieldRules", page_size=500))
summary("rejects_step_merge", rejects(step="Merge"))
summary("rejects_rule_out_of_range", rejects(rule="RemoveOutOfRange", page_size=500))
summary("rejects_column_email", rejects(column="email", page_size=500))
summary("rejects_all_filters", rejects(step="FieldRules", table="customers", rule="RemoveOutOfRange", column="age", page_size=500))
summary("rejects_no_match", rejects(rule="RemoveEmpty", column="age"))
summary("rejects_denied", rejects(client=dave))
summary("rejects_missing_run", rejects(run_id=str(uuid.uuid4())))
summary("rejects_bad_run_id", rejects(run_id="run-1"))
summary("rejects_page_size_too_large", rejects(page_size=501))
print(json.dumps(out))
