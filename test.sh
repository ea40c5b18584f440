#!/usr/bin/env bash
# Builds EtlStudio and runs every test against real PostgreSQL, real HTTP/2 clients and a real browser.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup-env.sh --test
export ETLSTUDIO_TEST_PG="${ETLSTUDIO_TEST_PG:-Host=localhost;Username=etlstudio;Password=etlstudio;Database=postgres}"
dotnet build EtlStudio.sln -c Release -nologo -v q
mkdir -p artifacts
dotnet test EtlStudio.Tests -c Release --no-build --nologo \
  --logger "console;verbosity=normal" --logger "trx;LogFileName=$PWD/artifacts/tests.trx" "$@" \
  | tee artifacts/test-output.txt
status=${PIPESTATUS[0]}
# One closing line that any reader of CI output understands.
/usr/bin/python3 - "$PWD/artifacts/tests.trx" <<'PY' || true
import sys, xml.etree.ElementTree as ET
c = ET.parse(sys.argv[1]).getroot().find('{*}ResultSummary/{*}Counters').attrib
print(f"tests: {c['passed']} passed, {c['failed']} failed, {int(c['total'])-int(c['executed'])} skipped")
PY
exit $status
