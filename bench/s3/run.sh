#!/usr/bin/env bash
# S3 upload benchmark: stages a 1,000,000-row outbox on a scratch database, uploads it to a local s3rver through the
# product's S3 uploader, PUTs the same finished Parquet files plainly in the same run, records peak memory, prints the
# figures and updates the "S3 upload" section of docs/benchmarks.md. BENCH_ROWS overrides the row count.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(cd "$here/../.." && pwd)"
rows="${BENCH_ROWS:-1000000}"
"$root/scripts/setup-env.sh"
db=etlstudio_bench_s3
data="$(mktemp -d)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
runuser -u postgres -- psql -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db OWNER etlstudio" >/dev/null
node "$root/scripts/s3rver/node_modules/s3rver/bin/s3rver.js" -d "$data" -a 127.0.0.1 -p "$port" --no-vhost-buckets --silent &
s3rver=$!
trap 'kill $s3rver 2>/dev/null || true; rm -rf "$data"; runuser -u postgres -- psql -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true' EXIT
dotnet build "$here/S3Bench" -c Release -nologo -v q
out=$(mktemp)
BENCH_S3_PID=$s3rver dotnet "$here/S3Bench/bin/Release/net10.0/S3Bench.dll" "Host=localhost;Username=etlstudio;Password=etlstudio;Database=$db" "$rows" "http://127.0.0.1:$port" "$out"
python3 "$root/scripts/update-benchmarks.py" "S3 upload" "$out"
