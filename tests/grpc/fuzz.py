"""Seeded fuzz of every method of EtlStudio's six gRPC services with a real client; prints one JSON summary.

usage: fuzz.py BASE_URL GRPC_TARGET [--seed N] [--calls N] [--mode defects|hostile|garbage] [--user LOGIN]

  defects  well-formed requests, each carrying one value the door must refuse (a NUL byte, invalid UTF-8,
           a malformed id, page/page_size out of range, an unknown enum value, a Timestamp out of range),
           among hostile but valid values elsewhere: every call must end INVALID_ARGUMENT naming the field.
  hostile  well-formed requests with hostile but valid values only: any status but INTERNAL and UNKNOWN.
  garbage  payloads that are mostly not the method's message: no UNKNOWN, and an INTERNAL only with the fixed
           "is not a valid ... message" text (python's parser is more lenient than the server's, so it cannot judge).
For a long run against a running app: fuzz.py http://localhost:5080 localhost:5081 --calls 20000 --mode defects
"""
import argparse
import concurrent.futures
import json
import random
import re
import uuid

import grpc
from google.protobuf import descriptor

from etl_grpc import PB, Client, dev_token

SERVICES = ["user_manager", "script_manager", "task_manager", "data_manager", "ext_datamodule_manager", "audit_logger"]
# Mirrors the server's rule (EtlStudio.Web/Grpc/GrpcRequestValidator.cs): string fields named like ids are UUIDs, but these.
NOT_UUID = {"etl.script.manager.V1.Field.ext_datamodule_id", "etl.audit.logger.V1.ListAuditLogsRequest.entity_id"}
MAX_PAGE_SIZE, MAX_PAGE = 500, (2**31 - 1) // 500
STACK_TRACE = re.compile(r"\bat [\w.<>`]+\(|\.cs:line \d|Exception\b|^\s+at ", re.M)
FD = descriptor.FieldDescriptor
INT_TYPES = {FD.TYPE_INT32, FD.TYPE_SINT32, FD.TYPE_SFIXED32, FD.TYPE_INT64, FD.TYPE_SINT64, FD.TYPE_SFIXED64,
             FD.TYPE_UINT32, FD.TYPE_FIXED32, FD.TYPE_UINT64, FD.TYPE_FIXED64}
TEXTS = ["", "a", "ab", "Ünïcødé ✓", "x" * 300, "'; DROP TABLE app.users; --", "%s%n%x", "😀" * 10, " \t\n ",
         "<script>alert(1)</script>", "../../etc/passwd", "{\"a\":1}", "Host=localhost;Database=x", "-1", "NaN", "1e309",
         "SELECT 1", "null", "0001-01-01", "9999-12-31T23:59:59Z", "Merge", "RemoveOutOfRange", "customers"]


def is_id(field):
    return (field.name == "id" or field.name.endswith("_id") or field.name.endswith("_ids")) and field.full_name not in NOT_UUID


def int_values(field):
    if field.name in ("page", "page_size"):
        return [0, 1, 2, MAX_PAGE_SIZE if field.name == "page_size" else MAX_PAGE]
    if field.type in (FD.TYPE_INT32, FD.TYPE_SINT32, FD.TYPE_SFIXED32):
        return [0, 1, -1, 7, 2**31 - 1, -2**31, 1000000]
    if field.type in (FD.TYPE_UINT32, FD.TYPE_FIXED32):
        return [0, 1, 2**32 - 1]
    if field.type in (FD.TYPE_UINT64, FD.TYPE_FIXED64):
        return [0, 1, 2**64 - 1]
    return [0, 1, -1, 10**12, 2**63 - 1, -2**63]


class Builder:
    """Fills a message with random, hostile but valid values and remembers where a defect could go."""

    def __init__(self, rng):
        self.rng = rng
        self.spots = []  # (kind, path, setter)

    def fill(self, msg, path="", depth=0):
        for field in msg.DESCRIPTOR.fields:
            if self.rng.random() < 0.3 and depth > 0:
                continue
            # One member per oneof: setting a second would detach the first, and a defect put there would never be sent.
            if field.containing_oneof is not None and msg.WhichOneof(field.containing_oneof.name) is not None:
                continue
            at = path + field.name
            if field.message_type is not None and field.message_type.GetOptions().map_entry:
                self.fill_map(msg, field, at)
            elif field.label == FD.LABEL_REPEATED:
                container = getattr(msg, field.name)
                for i in range(self.rng.randint(0, 3)):
                    if field.type == FD.TYPE_MESSAGE:
                        if depth < 3:
                            self.fill(container.add(), f"{at}[{i}].", depth + 1)
                    else:
                        container.append(self.scalar(field))
                        self.remember(field, f"{at}[{i}]", lambda v, c=container, i=i: c.__setitem__(i, v))
            elif field.type == FD.TYPE_MESSAGE:
                if depth < 3:
                    self.fill_message(msg, field, at, depth)
            else:
                setattr(msg, field.name, self.scalar(field))
                self.remember(field, at, lambda v, m=msg, n=field.name: setattr(m, n, v))
        return msg

    def fill_message(self, msg, field, at, depth):
        child = getattr(msg, field.name)
        if field.message_type.full_name == "google.protobuf.Timestamp":
            child.seconds = self.rng.choice([0, 1, 1_700_000_000, 253402300799, -62135596800, 4_102_444_800])
            child.nanos = self.rng.choice([0, 999_999_999])
            self.spots.append(("timestamp", at, child))
        else:
            child.SetInParent()
            self.fill(child, at + ".", depth + 1)

    def fill_map(self, msg, field, at):
        container = getattr(msg, field.name)
        value_field = field.message_type.fields_by_name["value"]
        for _ in range(self.rng.randint(0, 2)):
            key = self.rng.choice(["scale", "k", "distribution", "width", "x", "ü"])
            if value_field.type == FD.TYPE_MESSAGE:
                continue
            container[key] = self.scalar(value_field)
            if value_field.type == FD.TYPE_STRING:
                self.spots.append(("text", f"{at}[{key}]", lambda v, c=container, k=key: c.__setitem__(k, v)))

    def scalar(self, field):
        if field.type == FD.TYPE_STRING:
            return str(uuid.UUID(int=self.rng.getrandbits(128))) if is_id(field) else self.rng.choice(TEXTS)
        if field.type == FD.TYPE_BOOL:
            return self.rng.random() < 0.5
        if field.type == FD.TYPE_ENUM:
            return self.rng.choice([v.number for v in field.enum_type.values])
        if field.type in (FD.TYPE_DOUBLE, FD.TYPE_FLOAT):
            return self.rng.choice([0.0, -1.5, 1e300, float("inf")])
        if field.type == FD.TYPE_BYTES:
            return bytes(self.rng.getrandbits(8) for _ in range(self.rng.randint(0, 8)))
        if field.type in INT_TYPES:
            return self.rng.choice(int_values(field))
        raise ValueError(field.full_name)

    def remember(self, field, at, setter):
        if field.type == FD.TYPE_STRING:
            self.spots.append(("id" if is_id(field) else "text", at, setter))
        elif field.type == FD.TYPE_ENUM:
            self.spots.append(("enum", at, setter))
        elif field.name in ("page", "page_size") and field.type == FD.TYPE_INT32:
            self.spots.append(("page", at, (setter, field.name)))


MARK = "\u0001QQQQQQQQ"


def inject(rng, spots):
    """Puts one defect into the message; returns (kind, path, raw bytes patch or None)."""
    kind, path, target = rng.choice(spots)
    if kind == "timestamp":
        if rng.random() < 0.5:
            target.seconds = rng.choice([253402300800, -62135596801, 2**63 - 1, -2**63])
        else:
            target.nanos = rng.choice([-1, 1_000_000_000, 2**31 - 1])
        return "timestamp", path
    if kind == "enum":
        target(rng.choice([99, -1, 1000, 2**31 - 1]))
        return "enum", path
    if kind == "page":
        setter, name = target
        setter(rng.choice([-1, -2**31, MAX_PAGE_SIZE + 1, 2**31 - 1] if name == "page_size" else [-1, -2**31, MAX_PAGE + 1, 2**31 - 1]))
        return "page", path
    choice = rng.random()
    if kind == "id" and choice < 0.5:
        target(rng.choice(["nope", "123", "run-1", "00000000-0000-0000-0000-00000000000g", "{" + "0" * 31 + "}", " "]))
        return "id", path
    if choice < 0.75:
        target(rng.choice(["\x00", "abc\x00", "\x00" * 3, "a\x00b"]))
        return "nul", path
    target(MARK)
    return "utf8", path


def corrupt_utf8(payload):
    """Replaces the marker's bytes by bytes that are no UTF-8, keeping every length: the message stays well-formed."""
    return payload.replace(MARK.encode(), b"\x01\xff\xfe\xc3\x28\xa0\xa1\xe2\x28")


def methods():
    for key in SERVICES:
        module = PB[key]
        for service in module.DESCRIPTOR.services_by_name.values():
            for m in service.methods:
                yield service.full_name, m.name, getattr(module, m.input_type.name), getattr(module, m.output_type.name)


def plan(rng, mode, calls):
    all_methods = list(methods())
    work = []
    while len(work) < calls:
        service, name, request_type, response_type = rng.choice(all_methods)
        builder = Builder(rng)
        msg = builder.fill(request_type())
        if mode == "defects":
            if not builder.spots:
                continue
            kind, path = inject(rng, builder.spots)
            payload = msg.SerializeToString()
            if kind == "utf8":
                payload = corrupt_utf8(payload)
            work.append((service, name, response_type, payload, kind, path))
        elif mode == "hostile":
            work.append((service, name, response_type, msg.SerializeToString(), "hostile", ""))
        else:
            payload = msg.SerializeToString()
            shape = rng.randrange(4)
            if shape == 0:
                payload = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 64)))
            elif shape == 1 and payload:
                payload = bytearray(payload)
                for _ in range(rng.randint(1, 4)):
                    payload[rng.randrange(len(payload))] = rng.getrandbits(8)
                payload = bytes(payload)
            elif shape == 2:
                payload = payload[:rng.randint(0, max(0, len(payload) - 1))] if payload else b"\xff"
            else:
                payload = bytes([rng.choice([0x0a, 0x12, 0x1a, 0x08]), 0xff, 0xff, 0xff, 0xff, 0x0f]) + payload
            try:
                request_type.FromString(payload)
                parses = True
            except Exception:  # noqa: BLE001 - any parse failure means "not the method's message"
                parses = False
            work.append((service, name, response_type, payload, "parses" if parses else "unparsable", request_type.DESCRIPTOR.name))
    return work


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("target")
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--mode", choices=["defects", "hostile", "garbage"], default="defects")
    parser.add_argument("--user", default="alice")
    a = parser.parse_args()
    rng = random.Random(a.seed)
    work = plan(rng, a.mode, a.calls)
    client = Client(a.target, dev_token(a.base, a.user))

    def call(item):
        service, name, response_type, payload, kind, path = item
        fn = client.channel.unary_unary(f"/{service}/{name}", request_serializer=lambda b: b, response_deserializer=response_type.FromString)
        try:
            fn(payload, timeout=30, metadata=[("authorization", "Bearer " + client.token)])
            return "OK", ""
        except grpc.RpcError as e:
            return e.code().name, e.details() or ""

    codes, by_service, by_kind, violations, traces = {}, {}, {}, [], 0
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for item, (code, details) in zip(work, pool.map(call, work)):
            service, name, _, _, kind, path = item
            codes[code] = codes.get(code, 0) + 1
            by_service[service] = by_service.get(service, 0) + 1
            by_kind[kind] = by_kind.get(kind, 0) + 1
            if STACK_TRACE.search(details):
                traces += 1
            top = re.split(r"[.\[]", path)[0]
            wrong = (code == "UNKNOWN"
                     or (a.mode == "defects" and (code != "INVALID_ARGUMENT" or top not in details))
                     or (code == "INTERNAL" and (a.mode != "garbage" or details != f"The request is not a valid {path} message.")))
            if wrong and len(violations) < 25:
                violations.append({"method": f"{service}/{name}", "kind": kind, "path": path, "code": code, "details": details[:300]})
            elif wrong:
                violations.append(None)

    health = PB["grpc.health.v1.health"]
    status = Client(a.target).call("grpc.health.v1.Health", "Check", health.HealthCheckRequest(), health.HealthCheckResponse).status
    print(json.dumps({
        "mode": a.mode, "seed": a.seed, "calls": len(work), "codes": codes, "by_service": by_service, "by_kind": by_kind,
        "violation_count": len(violations), "violations": [v for v in violations if v], "stack_traces": traces,
        "health_after": health.HealthCheckResponse.ServingStatus.Name(status),
    }))


if __name__ == "__main__":
    main()
