#!/usr/bin/env bash
# Pipeline benchmark: a generated workload (two sources for one table, a child table with foreign keys, every rule
# kind, every anonymization kind, one transformation) end to end through the engine, beside a PostgreSQL COPY of the
# same rows in and out measured in the same process. Each size runs in its own process so its peak memory is its own.
# Updates the "Pipeline engine" section of docs/benchmarks.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(cd "$here/../.." && pwd)"
sizes="${BENCH_SIZES:-1000000 5000000}"
"$root/scripts/setup-env.sh"
# The bench starts each measured phase from a checkpoint (see Program.cs); PostgreSQL 15 lets a role do that through pg_checkpoint.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_root runuser -u postgres -- psql -qtA -c "GRANT pg_checkpoint TO \"${ETLSTUDIO_PG_ROLE:-etlstudio}\"" >/dev/null
dotnet build "$here/PipelineBench" -c Release -nologo -v q
server="Host=localhost;Username=etlstudio;Password=etlstudio;Database=postgres"
out=$(mktemp); : > "$out.steps"
for n in $sizes; do dotnet "$here/PipelineBench/bin/Release/net10.0/PipelineBench.dll" "$server" "$n" "$out"; done
{
  echo "Measured $(date -u '+%Y-%m-%d %H:%M') UTC on $(nproc) cores; PostgreSQL and the engine on the same machine."
  echo
  echo "| source rows | engine s | engine rows/s | COPY in+out s | COPY rows/s | engine / COPY | peak MB | outbox rows |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
  cat "$out"
  echo
  echo "Step times:"
  echo
  cat "$out.steps"
} > "$out.md"
python3 "$root/scripts/update-benchmarks.py" "Pipeline engine" "$out.md"
