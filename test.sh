#!/usr/bin/env bash
# Builds EtlStudio and runs every test against real PostgreSQL, real HTTP/2 clients and a real browser.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup-env.sh --test
export ETLSTUDIO_TEST_PG="${ETLSTUDIO_TEST_PG:-Host=localhost;Username=etlstudio;Password=etlstudio;Database=postgres}"
dotnet build EtlStudio.sln -c Release -nologo -v q
mkdir -p artifacts
# A failing test run must not stop the script here (errexit with pipefail would): the summary below is what CI shows.
set +e
dotnet test EtlStudio.Tests -c Release --no-build --nologo \
  --logger "console;verbosity=normal" --logger "trx;LogFileName=$PWD/artifacts/tests.trx" "$@" \
  | tee artifacts/test-output.txt
status=${PIPESTATUS[0]}
set -e
# The failures, then one closing line, so that a reader who sees only the end of the output sees what failed and why.
/usr/bin/python3 - "$PWD/artifacts/tests.trx" <<'PY' || true
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
c = root.find('{*}ResultSummary/{*}Counters').attrib
for r in root.iterfind('.//{*}UnitTestResult'):
    if r.get('outcome') == 'Failed':
        msg = r.findtext('.//{*}ErrorInfo/{*}Message', '').strip()
        stack = r.findtext('.//{*}ErrorInfo/{*}StackTrace', '').strip().splitlines()[:6]
        print(f"FAILED {r.get('testName')} ({r.get('duration')})")
        for line in msg.splitlines()[:15] + stack:
            print(f"    {line}")
print(f"tests: {c['passed']} passed, {c['failed']} failed, {int(c['total'])-int(c['executed'])} skipped")
PY
exit $status
