#!/usr/bin/env bash
# gRPC endpoint benchmark: GetUser and Health/Check on the app vs a minimal Grpc.AspNetCore server (same protos, constant answers)
# in its own process. Starts the app on a scratch database, prints figures, and updates
# the "gRPC endpoint" section of docs/benchmarks.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(cd "$here/../.." && pwd)"
seconds="${BENCH_SECONDS:-9}"
rounds="${BENCH_ROUNDS:-3}"
levels="${BENCH_LEVELS:-1,16,64}"
# The app is large: tiered JIT keeps compiling for tens of seconds under load, so warm up well past that (per target and level).
export BENCH_WARMUP="${BENCH_WARMUP:-20}"
"$root/scripts/setup-env.sh"
db=etlstudio_bench_grpc
runuser -u postgres -- psql -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db OWNER etlstudio" >/dev/null
dotnet build "$root/EtlStudio.Web" -c Release -nologo -v q
dotnet build "$here/GrpcBench" -c Release -nologo -v q
export ConnectionStrings__Default="Host=localhost;Username=etlstudio;Password=etlstudio;Database=$db"
# A scratch database: fresh keys for this run only (the app refuses to serve without them).
export Audit__ChainKey="$(head -c 32 /dev/urandom | base64)" DataProtection__ProtectionKey="$(head -c 32 /dev/urandom | base64)"
export HTTP_PORT="${BENCH_HTTP_PORT:-5180}" GRPC_PORT="${BENCH_GRPC_PORT:-5181}" Auth__Mode=Development Demo__Seed=true Demo__DatabasePrefix=${db}_demo
(cd "$root/EtlStudio.Web" && exec dotnet bin/Release/net10.0/EtlStudio.Web.dll) & app=$!
trap 'kill $app 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$HTTP_PORT/health/ready" >/dev/null && break; sleep 0.5; done
token=$(curl -fs -d user=alice "http://127.0.0.1:$HTTP_PORT/auth/dev-token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
out=$(mktemp)
BENCH_APP_PID=$app BENCH_APP_METRICS="http://127.0.0.1:$HTTP_PORT/metrics" dotnet "$here/GrpcBench/bin/Release/net10.0/GrpcBench.dll" "127.0.0.1:$GRPC_PORT" "$token" "$seconds" "$out" "$rounds" "$levels"
python3 "$root/scripts/update-benchmarks.py" "gRPC endpoint" "$out"
