"""Runs EtlStudio's gRPC scenarios with a real client and prints one JSON object: scenario -> outcome.

usage: scenarios.py BASE_URL GRPC_TARGET [EXPIRED_TOKEN]
"""
import json
import time
import sys
import uuid

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from etl_grpc import PB, Client, dev_token, released_script

base, target = sys.argv[1], sys.argv[2]
expired = sys.argv[3] if len(sys.argv) > 3 else None
um, ext, audit, health = PB["user_manager"], PB["ext_datamodule_manager"], PB["audit_logger"], PB["grpc.health.v1.health"]
UM, EXT, AUD = "etl.user.manager.V1.UserManager", "etl.ext.datamodule.manager.V1.ExtDatamoduleManager", "etl.audit.logger.V1.AuditLogger"
out = {}


def record(name, result, **extra):
    code, details, response = result
    out[name] = {"code": code, "details": details, **extra}
    return response


alice, bob, dave = (Client(target, dev_token(base, u)) for u in ("alice", "bob", "dave"))
anonymous = Client(target)

# Health and authentication
r = record("health", anonymous.result("grpc.health.v1.Health", "Check", health.HealthCheckRequest(), health.HealthCheckResponse))
out["health"]["status"] = health.HealthCheckResponse.ServingStatus.Name(r.status) if r else None
record("no_token", anonymous.result(UM, "GetUser", um.GetUserRequest(), um.GetUserResponse))
record("garbage_token", Client(target, "not.a.jwt").result(UM, "GetUser", um.GetUserRequest(), um.GetUserResponse))
token = dev_token(base, "alice")
record("tampered_token", Client(target, token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")).result(UM, "GetUser", um.GetUserRequest(), um.GetUserResponse))
if expired:
    record("expired_token", Client(target, expired).result(UM, "GetUser", um.GetUserRequest(), um.GetUserResponse))

# UserManager
me = record("get_user_self", alice.result(UM, "GetUser", um.GetUserRequest(), um.GetUserResponse))
out["get_user_self"]["roles"] = [um.UserRole.Name(x) for x in me.user.roles] if me else []
record("get_user_missing", alice.result(UM, "GetUser", um.GetUserRequest(id=str(uuid.uuid4())), um.GetUserResponse))
record("get_user_bad_id", alice.result(UM, "GetUser", um.GetUserRequest(id="nope"), um.GetUserResponse))
record("get_user_other_denied", dave.result(UM, "GetUser", um.GetUserRequest(id=me.user.id), um.GetUserResponse))
login = "erin" + uuid.uuid4().hex[:6]
created = record("create_user", alice.result(UM, "CreateUser", um.CreateUserRequest(name=login, display_name="Erin"), um.CreateUserResponse))
record("create_user_duplicate", alice.result(UM, "CreateUser", um.CreateUserRequest(name=login), um.CreateUserResponse))
record("create_user_invalid", alice.result(UM, "CreateUser", um.CreateUserRequest(name="x"), um.CreateUserResponse))
record("create_user_denied", dave.result(UM, "CreateUser", um.CreateUserRequest(name="mallory"), um.CreateUserResponse))


def roles_of(user_id):
    code, _, response = alice.result(UM, "GetUser", um.GetUserRequest(id=user_id), um.GetUserResponse)
    return [um.UserRole.Name(x) for x in response.user.roles] if code == "OK" else code


# GetUser answers a role change at once, though it was asked for the same user just before (its message is kept per view)
seen = [roles_of(created.id)]
record("add_role", alice.result(UM, "AddRole", um.AddRoleRequest(user_id=created.id, role=um.MANAGE_DATA), um.AddRoleResponse))
seen.append(roles_of(created.id))
record("add_role_duplicate", alice.result(UM, "AddRole", um.AddRoleRequest(user_id=created.id, role=um.MANAGE_DATA), um.AddRoleResponse))
record("remove_role", alice.result(UM, "RemoveRole", um.RemoveRoleRequest(user_id=created.id, role=um.MANAGE_DATA), um.RemoveRoleResponse))
seen.append(roles_of(created.id))
out["roles_seen_by_get_user"] = {"code": "OK", "roles": seen}
record("remove_role_missing", alice.result(UM, "RemoveRole", um.RemoveRoleRequest(user_id=created.id, role=um.MANAGE_DATA), um.RemoveRoleResponse))

# ExtDatamoduleManager
listing = record("get_all_connections", dave.result(EXT, "GetAllConnection", ext.GetAllConnectionRequest(), ext.GetAllConnectionResponse))
crm = next(c for c in listing.connections if c.name == "CRM (demo)")
out["get_all_connections"]["names"] = sorted(c.name for c in listing.connections)
out["get_all_connections"]["hints"] = [c.connection_hint for c in listing.connections]
got = record("get_connection", dave.result(EXT, "GetConnection", ext.GetConnectionRequest(id=crm.id), ext.GetConnectionResponse))
out["get_connection"]["owners"] = [o.name for o in got.connection.owners]
new_conn = record("create_connection", bob.result(EXT, "CreateConnection", ext.CreateConnectionRequest(connection=ext.ConnectionInput(
    name="partner-api-" + uuid.uuid4().hex[:6], type=ext.HTTP_JSON, connection_string="https://partner.example/v1\nAuthorization: Bearer sk_live_123",
    contract_json='{"tables":{"events":["id"]}}')), ext.CreateConnectionResponse))
record("create_connection_denied", dave.result(EXT, "CreateConnection", ext.CreateConnectionRequest(connection=ext.ConnectionInput(
    name="nope", type=ext.POSTGRESQL, connection_string="Host=x")), ext.CreateConnectionResponse))
record("create_connection_invalid", bob.result(EXT, "CreateConnection", ext.CreateConnectionRequest(connection=ext.ConnectionInput(
    name="bad-json", type=ext.HTTP_JSON, connection_string="https://x.example", contract_json="{nope")), ext.CreateConnectionResponse))
record("update_connection", bob.result(EXT, "UpdateConnection", ext.UpdateConnectionRequest(id=new_conn.id, connection=ext.ConnectionInput(
    name="partner-api-renamed-" + uuid.uuid4().hex[:4], type=ext.HTTP_JSON, description="renamed")), ext.UpdateConnectionResponse))
record("update_connection_denied", dave.result(EXT, "UpdateConnection", ext.UpdateConnectionRequest(id=new_conn.id, connection=ext.ConnectionInput(
    name="hijack", type=ext.HTTP_JSON)), ext.UpdateConnectionResponse))
# S3 storage (issue 31): the location comes as its own message; the key pair never comes back.
s3_conn = record("create_connection_s3", bob.result(EXT, "CreateConnection", ext.CreateConnectionRequest(connection=ext.ConnectionInput(
    name="lake-" + uuid.uuid4().hex[:6], type=ext.S3, s3=ext.S3Details(endpoint="https://s3.example", region="eu-west-1", bucket="ml-lake",
    prefix="modules/churn", path_style=True, access_key="AKIAEXAMPLE77", secret_key="s3_secret_456"))), ext.CreateConnectionResponse))
got_s3 = record("get_connection_s3", bob.result(EXT, "GetConnection", ext.GetConnectionRequest(id=s3_conn.id if s3_conn else ""), ext.GetConnectionResponse))
if got_s3:
    out["get_connection_s3"].update(type=ext.ConnectionType.Name(got_s3.connection.type), hint=got_s3.connection.connection_hint)
record("create_connection_s3_invalid", bob.result(EXT, "CreateConnection", ext.CreateConnectionRequest(connection=ext.ConnectionInput(
    name="lake-bad", type=ext.S3, s3=ext.S3Details(endpoint="s3.example", bucket="Not A Bucket", access_key="a", secret_key="b"))), ext.CreateConnectionResponse))

# Access: request -> owner lists -> approve (owner_user_id checked) -> requester holds READ
req = record("add_access", dave.result(UM, "AddAccess", um.AddAccessRequest(
    access=um.ExtDatamoduleAccess(ext_datamodule_id=crm.id, access_types=[um.READ]), reason="churn model features", wished_days=30), um.AddAccessResponse))
record("add_access_duplicate", dave.result(UM, "AddAccess", um.AddAccessRequest(
    access=um.ExtDatamoduleAccess(ext_datamodule_id=crm.id, access_types=[um.READ]), reason="again please"), um.AddAccessResponse))
record("add_access_for_someone_else", dave.result(UM, "AddAccess", um.AddAccessRequest(user_id=me.user.id,
    access=um.ExtDatamoduleAccess(ext_datamodule_id=crm.id, access_types=[um.READ]), reason="sneaky"), um.AddAccessResponse))
record("add_access_already_held", bob.result(UM, "AddAccess", um.AddAccessRequest(
    access=um.ExtDatamoduleAccess(ext_datamodule_id=crm.id, access_types=[um.READ]), reason="I own it"), um.AddAccessResponse))
inbox = record("list_access_requests", bob.result(UM, "ListAccessRequests", um.ListAccessRequestsRequest(), um.ListAccessRequestsResponse))
out["list_access_requests"]["ids"] = [x.id for x in inbox.requests]
out["list_access_requests"]["request_id"] = req.access_request_id
bob_me = bob.call(UM, "GetUser", um.GetUserRequest(), um.GetUserResponse)
record("approve_as_someone_else", bob.result(UM, "ApproveAccessRequest", um.ApproveAccessRequest(access_request_id=req.access_request_id, owner_user_id=me.user.id, state=True), um.ApproveAccessResponse))
record("approve_by_non_owner", dave.result(UM, "ApproveAccessRequest", um.ApproveAccessRequest(access_request_id=req.access_request_id, state=True), um.ApproveAccessResponse))
record("approve", bob.result(UM, "ApproveAccessRequest", um.ApproveAccessRequest(access_request_id=req.access_request_id, owner_user_id=bob_me.user.id, state=True, comment="ok"), um.ApproveAccessResponse))
record("approve_again", bob.result(UM, "ApproveAccessRequest", um.ApproveAccessRequest(access_request_id=req.access_request_id, state=False), um.ApproveAccessResponse))
dave_me = record("requester_has_access", dave.result(UM, "GetUser", um.GetUserRequest(), um.GetUserResponse))
out["requester_has_access"]["accesses"] = [(a.ext_datamodule_id, [um.ExtDatamoduleAccessType.Name(t) for t in a.access_types]) for a in dave_me.user.ext_datamodule_accesses]
out["requester_has_access"]["crm"] = crm.id
record("remove_access", dave.result(UM, "RemoveAccess", um.RemoveAccessRequest(user_id=dave_me.user.id,
    access=um.ExtDatamoduleAccess(ext_datamodule_id=crm.id, access_types=[um.READ])), um.RemoveAccessResponse))

# ScriptManager (seed contract)
sm = PB["script_manager"]
SM = "etl.script.manager.V1.ScriptManager"
from google.protobuf import empty_pb2, wrappers_pb2
rule = sm.Script(name="age 18-120", field_rule=sm.FieldRule(field_type=sm.Integer, type=sm.FillOutOfRange, min_value="18", max_value="120"),
                 fields=[sm.Field(ext_datamodule_id=crm.id, field_name="age")])
made = record("create_script", alice.result(SM, "CreateScript", sm.CreateScriptRequest(script=rule), sm.CreateScriptResponse))
record("create_script_invalid", alice.result(SM, "CreateScript", sm.CreateScriptRequest(script=sm.Script(name="bad",
    field_rule=sm.FieldRule(field_type=sm.Integer, type=sm.FillOutOfRange, min_value="120", max_value="18"))), sm.CreateScriptResponse))
record("create_script_no_kind", alice.result(SM, "CreateScript", sm.CreateScriptRequest(script=sm.Script(name="kindless")), sm.CreateScriptResponse))
record("create_script_denied", dave.result(SM, "CreateScript", sm.CreateScriptRequest(script=rule), sm.CreateScriptResponse))
got_script = record("get_script", alice.result(SM, "GetScript", sm.GetScriptRequest(script_id=made.script_id), sm.GetScriptResponse))
out["get_script"]["max"] = got_script.script.field_rule.max_value if got_script else None
out["get_script"]["kind"] = got_script.script.WhichOneof("script") if got_script else None
record("update_script", alice.result(SM, "UpdateScript", sm.UpdateScriptRequest(script_id=made.script_id,
    field_rule=sm.FieldRule(field_type=sm.Integer, type=sm.FillOutOfRange, min_value="18", max_value="110")), sm.UpdateScriptResponse))
record("update_script_wrong_kind", alice.result(SM, "UpdateScript", sm.UpdateScriptRequest(script_id=made.script_id, extractor=empty_pb2.Empty()), sm.UpdateScriptResponse))
record("release_script", alice.result(SM, "ReleaseScript", sm.ReleaseScriptRequest(script_id=made.script_id), sm.ReleaseScriptResponse))
record("release_script_again", alice.result(SM, "ReleaseScript", sm.ReleaseScriptRequest(script_id=made.script_id), sm.ReleaseScriptResponse))
draft = record("update_released_script", alice.result(SM, "UpdateScript", sm.UpdateScriptRequest(script_id=made.script_id, name=wrappers_pb2.StringValue(value="age 18-99"),
    field_rule=sm.FieldRule(field_type=sm.Integer, type=sm.FillOutOfRange, min_value="18", max_value="99")), sm.UpdateScriptResponse))
out["update_released_script"]["new_id"] = draft.script_id != made.script_id if draft else None
still = alice.call(SM, "GetScript", sm.GetScriptRequest(script_id=made.script_id), sm.GetScriptResponse)
out["update_released_script"]["released_unchanged"] = still.script.released and still.script.field_rule.max_value == "110"
xform = record("create_transformer", alice.result(SM, "CreateScript", sm.CreateScriptRequest(script=sm.Script(name="order totals",
    transformer=sm.TransformationScript(transformation_script=wrappers_pb2.StringValue(value="SELECT customer_id, sum(amount) AS total FROM orders GROUP BY 1"),
                                        type=sm.Merge, target_table="order_totals"))), sm.CreateScriptResponse))
anon = record("create_anonymization", alice.result(SM, "CreateScript", sm.CreateScriptRequest(script=sm.Script(name="income noise",
    anonymization_rule=sm.AnonymizationRule(type=sm.Perturbation, parameters={"distribution": "laplace", "scale": "500"}))), sm.CreateScriptResponse))
listed = record("get_all_scripts", alice.result(SM, "GetAllScript", sm.GetAllScriptRequest(page_size=100), sm.GetAllScriptResponse))
out["get_all_scripts"]["names"] = sorted(x.name for x in listed.scripts) if listed else []
record("get_script_missing", alice.result(SM, "GetScript", sm.GetScriptRequest(script_id=str(uuid.uuid4())), sm.GetScriptResponse))

# EtlTaskManager: configure a whole task, watch the missing list shrink, release
tm = PB["task_manager"]
TM = "etl.task.manager.V1.EtlTaskManager"
own_src = alice.call(EXT, "CreateConnection", ext.CreateConnectionRequest(connection=ext.ConnectionInput(
    name="alice-src-" + uuid.uuid4().hex[:6], type=ext.POSTGRESQL, connection_string="Host=localhost;Database=x;Username=u;Password=p")), ext.CreateConnectionResponse)
dest = next(c for c in listing.connections if c.name == "Customer analytics data module (demo)")


def released(script):
    return released_script(alice, script)


ex_id = released(sm.Script(name="customers", extractor=empty_pb2.Empty(), body="SELECT id, age FROM customers"))
up_id = released(sm.Script(name="upload", uploader=empty_pb2.Empty()))
task = record("create_task", alice.result(TM, "CreateTask", tm.CreateTaskRequest(name="churn-" + uuid.uuid4().hex[:6]), tm.CreateTaskResponse))
first = alice.call(TM, "GetTask", tm.GetTaskRequest(id=task.id), tm.GetTaskResponse)
out["create_task"]["missing"] = list(first.task.missing)
table = tm.Table(name="customers", primary_key="id", merge_strategy=tm.SOURCE_PRIORITY,
                 columns=[tm.Column(name="id", type=tm.INTEGER), tm.Column(name="age", type=tm.INTEGER)],
                 extractions=[tm.Extraction(script_id=ex_id, connection_id=own_src.id, priority=10)])
upd = record("update_extraction", alice.result(TM, "UpdateExtractionScript", tm.UpdateExtractionScriptRequest(task_id=task.id, tables=[table]), tm.UpdateTaskResponse))
out["update_extraction"]["missing"] = list(upd.missing) if upd else []
# A source only bob can read (the demo seed gave alice READ on the CRM).
bobs_src = bob.call(EXT, "CreateConnection", ext.CreateConnectionRequest(connection=ext.ConnectionInput(
    name="bob-src-" + uuid.uuid4().hex[:6], type=ext.POSTGRESQL, connection_string="Host=localhost;Database=y;Username=u;Password=p")), ext.CreateConnectionResponse)
record("update_extraction_no_read", alice.result(TM, "UpdateExtractionScript", tm.UpdateExtractionScriptRequest(task_id=task.id, tables=[
    tm.Table(name="customers", columns=[tm.Column(name="id")], extractions=[tm.Extraction(script_id=ex_id, connection_id=bobs_src.id, priority=1)])]), tm.UpdateTaskResponse))
record("update_field_rules_unknown_column", alice.result(TM, "UpdateFieldRules", tm.UpdateFieldRulesRequest(task_id=task.id,
    rules=[tm.FieldRuleBinding(table="customers", column="shoe_size", script_ids=[made.script_id])]), tm.UpdateTaskResponse))
record("release_task_incomplete", alice.result(TM, "Release", tm.ReleaseRequest(task_id=task.id), tm.ReleaseResponse))
upd2 = record("update_upload", alice.result(TM, "UpdateUploadingScript", tm.UpdateUploadingScriptRequest(task_id=task.id,
    upload=tm.Upload(script_id=up_id, destination_connection_id=dest.id)), tm.UpdateTaskResponse))
out["update_upload"]["missing"] = list(upd2.missing) if upd2 else None
record("release_task", alice.result(TM, "Release", tm.ReleaseRequest(task_id=task.id), tm.ReleaseResponse))
got_task = record("get_task", alice.result(TM, "GetTask", tm.GetTaskRequest(id=task.id), tm.GetTaskResponse))
out["get_task"]["status"] = got_task.task.status if got_task else None
record("get_all_tasks", alice.result(TM, "GetAllTasks", tm.GetAllTasksRequest(status="Released"), tm.GetAllTasksResponse))
record("create_task_denied", dave.result(TM, "CreateTask", tm.CreateTaskRequest(name="nope"), tm.CreateTaskResponse))
record("start_task", alice.result(TM, "Start", tm.StartRequest(task_id=task.id), tm.RunResponse))

# AuditLogger
logs = record("list_audit_logs", alice.result(AUD, "ListAuditLogs", audit.ListAuditLogsRequest(action="access.", page_size=50), audit.ListAuditLogsResponse))
out["list_audit_logs"]["actions"] = sorted({l.action for l in logs.logs})
out["list_audit_logs"]["sources"] = sorted({l.source for l in logs.logs})
denied = alice.call(AUD, "ListAuditLogs", audit.ListAuditLogsRequest(outcome="Denied", page_size=100), audit.ListAuditLogsResponse)
out["list_audit_logs"]["denied_actions"] = sorted({l.action for l in denied.logs})
one = record("get_audit_log", alice.result(AUD, "GetAuditLog", audit.GetAuditLogRequest(id=logs.logs[0].id), audit.GetAuditLogResponse))
out["get_audit_log"]["action"] = one.log.action if one else None
bobs_entry = next(l for l in logs.logs if l.actor == "bob")
record("get_audit_log_other_denied", dave.result(AUD, "GetAuditLog", audit.GetAuditLogRequest(id=bobs_entry.id), audit.GetAuditLogResponse))
record("get_audit_log_missing", alice.result(AUD, "GetAuditLog", audit.GetAuditLogRequest(id=10**12), audit.GetAuditLogResponse))
all_secrets = json.dumps([l.changes_json for l in alice.call(AUD, "ListAuditLogs", audit.ListAuditLogsRequest(page_size=500), audit.ListAuditLogsResponse).logs])
out["audit_has_no_secret"] = {"code": "OK", "leaked": "sk_live_123" in all_secrets}

# Protocol: unknown routes, limits, compression
record("unknown_method", alice.result(UM, "DropAllTables", um.GetUserRequest(), um.GetUserResponse))
# A service's methods are not probed without a token: its unknown methods need a caller as its known ones do.
record("unknown_method_no_token", anonymous.result(UM, "DropAllTables", um.GetUserRequest(), um.GetUserResponse))
record("unknown_service", alice.result("etl.nothing.V1.Nothing", "Do", um.GetUserRequest(), um.GetUserResponse))
record("too_large", alice.result(UM, "CreateUser", um.CreateUserRequest(name="x" * (5 * 1024 * 1024)), um.CreateUserResponse))
record("gzip_request", alice.result(UM, "GetUser", um.GetUserRequest(), um.GetUserResponse, compression=grpc.Compression.Gzip))
# Deadlines are grpc-dotnet's: a call still running when its deadline passes ends DEADLINE_EXCEEDED (below); one that
# finishes first may still answer, as the library allows.

# Reflection: list services (v1 and v1alpha), then build descriptors and call GetUser by name only
ref = PB["grpc.reflection.v1.reflection"]


def reflect(path, requests):
    stream = alice.channel.stream_stream(path, request_serializer=lambda m: m.SerializeToString(),
                                         response_deserializer=ref.ServerReflectionResponse.FromString)
    return list(stream(iter(requests), timeout=10))


def deadline_while_waiting():
    """A stream whose client sends nothing for 2 s, under a 0.3 s deadline: the call must end DEADLINE_EXCEEDED."""
    def slow():
        time.sleep(2)
        yield ref.ServerReflectionRequest(list_services="")
    stream = alice.channel.stream_stream("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
                                         request_serializer=lambda m: m.SerializeToString(),
                                         response_deserializer=ref.ServerReflectionResponse.FromString)
    try:
        list(stream(slow(), timeout=0.3))
        return "OK", "", None
    except grpc.RpcError as e:
        return e.code().name, e.details(), None


record("deadline_while_waiting", deadline_while_waiting())

for version in ("v1", "v1alpha"):
    try:
        responses = reflect(f"/grpc.reflection.{version}.ServerReflection/ServerReflectionInfo",
                            [ref.ServerReflectionRequest(list_services=""), ref.ServerReflectionRequest(file_containing_symbol=UM)])
        services = sorted(s.name for s in responses[0].list_services_response.service)
        pool = descriptor_pool.DescriptorPool()
        protos = [descriptor_pb2.FileDescriptorProto.FromString(b) for b in responses[1].file_descriptor_response.file_descriptor_proto]
        pending = {p.name: p for p in protos}
        while pending:  # add dependencies first
            for name, p in list(pending.items()):
                if all(d not in pending for d in p.dependency):
                    pool.Add(p)
                    del pending[name]
        method = pool.FindServiceByName(UM).FindMethodByName("GetUser")
        factory = message_factory.MessageFactory(pool)  # GetMessageClass is newer than Debian's protobuf
        Req, Resp = factory.GetPrototype(method.input_type), factory.GetPrototype(method.output_type)
        dyn = alice.call(UM, "GetUser", Req(), Resp)
        out[f"reflection_{version}"] = {"code": "OK", "services": services, "dynamic_user": dyn.user.name}
    except grpc.RpcError as e:
        out[f"reflection_{version}"] = {"code": e.code().name, "details": e.details()}

print(json.dumps(out))
