"""Pause, Resume and Stop over gRPC on runs in every state, with a real client; prints JSON.

usage: lifecycle_matrix.py start BASE_URL GRPC_TARGET          -> {"run": id of a new run of the demo task}
       lifecycle_matrix.py act BASE_URL GRPC_TARGET CASES.json -> {case: {"code", "details", "state"}}
CASES.json maps a case name to [run id, "Pause" | "Resume" | "Stop" | "StopDelete"].
"""
import json
import sys

from etl_grpc import PB, Client, dev_token

mode, base, target = sys.argv[1], sys.argv[2], sys.argv[3]
tm = PB["task_manager"]
TM = "etl.task.manager.V1.EtlTaskManager"
alice = Client(target, dev_token(base, "alice"))

if mode == "start":
    tasks = alice.call(TM, "GetAllTasks", tm.GetAllTasksRequest(page=1, page_size=100), tm.GetAllTasksResponse).tasks
    demo = next(t for t in tasks if t.name == "Customer churn (demo)")
    run = alice.call(TM, "Start", tm.StartRequest(task_id=demo.id), tm.RunResponse).run
    print(json.dumps({"run": run.id}))
    sys.exit(0)

out = {}
with open(sys.argv[4]) as f:
    cases = json.load(f)
for name, (run_id, action) in cases.items():
    if action == "Pause":
        code, details, _ = alice.result(TM, "Pause", tm.RunRequest(run_id=run_id), tm.RunResponse)
    elif action == "Resume":
        code, details, _ = alice.result(TM, "Resume", tm.RunRequest(run_id=run_id), tm.RunResponse)
    else:
        code, details, _ = alice.result(TM, "Stop", tm.StopRequest(run_id=run_id, delete_outbox=action == "StopDelete"), tm.RunResponse)
    after = alice.call(TM, "GetRun", tm.RunRequest(run_id=run_id), tm.RunResponse).run
    out[name] = {"code": code, "details": details, "state": after.state}
print(json.dumps(out))
