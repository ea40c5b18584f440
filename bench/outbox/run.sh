#!/usr/bin/env bash
# Outbox paging benchmark: stages a 1,000,000-row outbox on a scratch database, measures page changes with sorting and
# filtering through OutboxService (server time) beside the same SQL sent straight to PostgreSQL, prints the figures and
# updates the "Outbox paging" section of docs/benchmarks.md. BENCH_ROWS overrides the row count.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(cd "$here/../.." && pwd)"
rows="${BENCH_ROWS:-1000000}"
"$root/scripts/setup-env.sh"
db=etlstudio_bench_outbox
runuser -u postgres -- psql -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db OWNER etlstudio" >/dev/null
trap 'runuser -u postgres -- psql -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true' EXIT
dotnet build "$here/OutboxBench" -c Release -nologo -v q
out=$(mktemp)
dotnet "$here/OutboxBench/bin/Release/net10.0/OutboxBench.dll" "Host=localhost;Username=etlstudio;Password=etlstudio;Database=$db" "$rows" "$out"
python3 "$root/scripts/update-benchmarks.py" "Outbox paging" "$out"
