"""A real gRPC client (Debian's python3-grpcio) for EtlStudio's endpoint, used by the test-suite.

Messages are compiled from protos/ with protoc at start; calls use generic unary_unary channels,
so no generated stubs (and no grpc_tools plugin) are needed.
"""
import importlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import uuid

import grpc

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PROTOS = os.path.join(ROOT, "protos")


def well_known_include():
    """google/protobuf/*.proto: from libprotobuf-dev, else the copy inside the Grpc.Tools NuGet package."""
    if os.path.exists("/usr/include/google/protobuf/timestamp.proto"):
        return "/usr/include"
    nuget = os.environ.get("NUGET_PACKAGES", os.path.expanduser("~/.nuget/packages"))
    tools = os.path.join(nuget, "grpc.tools")
    for version in sorted(os.listdir(tools), reverse=True) if os.path.isdir(tools) else []:
        candidate = os.path.join(tools, version, "build", "native", "include")
        if os.path.exists(os.path.join(candidate, "google", "protobuf", "timestamp.proto")):
            return candidate
    raise RuntimeError("google/protobuf/*.proto not found: install libprotobuf-dev")


def compile_protos():
    out = tempfile.mkdtemp(prefix="etlgrpc-")
    files = [os.path.relpath(os.path.join(d, f), PROTOS)
             for d, _, fs in os.walk(PROTOS) for f in fs if f.endswith(".proto")]
    subprocess.run(["protoc", f"-I{PROTOS}", f"-I{well_known_include()}", f"--python_out={out}", *files], check=True)
    # Loaded by path: a generated "grpc.health" package would shadow grpcio's own "grpc" module.
    modules = {}
    for name in files:
        key = name[:-len(".proto")].replace("/", ".")
        spec = importlib.util.spec_from_file_location("etlpb_" + key.replace(".", "_"), os.path.join(out, name[:-len(".proto")] + "_pb2.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules[key] = module
    return modules


PB = compile_protos()


def dev_token(base_url, user):
    data = urllib.parse.urlencode({"user": user}).encode()
    with urllib.request.urlopen(urllib.request.Request(base_url + "/auth/dev-token", data=data)) as r:
        return json.load(r)["access_token"]


class Client:
    def __init__(self, target, token=None, options=None):
        self.channel = grpc.insecure_channel(target, options=options or [])
        self.token = token

    def call(self, service, method, request, response_type, timeout=10, metadata=None, compression=None):
        md = list(metadata or [])
        if self.token:
            md.append(("authorization", "Bearer " + self.token))
        fn = self.channel.unary_unary(f"/{service}/{method}",
                                      request_serializer=lambda m: m.SerializeToString(),
                                      response_deserializer=response_type.FromString)
        return fn(request, timeout=timeout, metadata=md, compression=compression)

    def result(self, *args, **kwargs):
        """Calls and returns (status name, details, response or None) instead of raising."""
        try:
            return "OK", "", self.call(*args, **kwargs)
        except grpc.RpcError as e:
            return e.code().name, e.details(), None


SM = "etl.script.manager.V1.ScriptManager"
EXT = "etl.ext.datamodule.manager.V1.ExtDatamoduleManager"


def released_script(client, script):
    """Creates the script and releases it; returns its id."""
    sm = PB["script_manager"]
    sid = client.call(SM, "CreateScript", sm.CreateScriptRequest(script=script), sm.CreateScriptResponse).script_id
    client.call(SM, "ReleaseScript", sm.ReleaseScriptRequest(script_id=sid), sm.ReleaseScriptResponse)
    return sid


def postgres_connection(client, name, connection_string):
    """A PostgreSQL connection under a name made unique; returns its id."""
    ext = PB["ext_datamodule_manager"]
    return client.call(EXT, "CreateConnection", ext.CreateConnectionRequest(connection=ext.ConnectionInput(
        name=name + "-" + uuid.uuid4().hex[:6], type=ext.POSTGRESQL, connection_string=connection_string)), ext.CreateConnectionResponse).id
