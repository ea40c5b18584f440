#!/usr/bin/env bash
# Installs and starts what EtlStudio needs on a fresh Debian machine: PostgreSQL 15 running,
# the database's two roles (README, "Two database roles"), and (with --test) the packages the test-suite drives.
# Idempotent: every step checks before it acts, so a second run takes a few seconds.
set -euo pipefail

want_test=0
[ "${1:-}" = "--test" ] && want_test=1
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The owner runs the migrations and owns the schemas; the runtime role is what the nodes log in as.
PG_ROLE="${ETLSTUDIO_PG_ROLE:-etlstudio}"
PG_PASSWORD="${ETLSTUDIO_PG_PASSWORD:-etlstudio}"
PG_APP_ROLE="${ETLSTUDIO_PG_APP_ROLE:-etlstudio_app}"
PG_APP_PASSWORD="${ETLSTUDIO_PG_APP_PASSWORD:-etlstudio_app}"
PG_DATABASE="${ETLSTUDIO_PG_DATABASE:-etlstudio}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
ensure_packages() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing ${missing[*]}"
  if [ $apt_updated = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_packages postgresql
if [ $want_test = 1 ]; then
  ensure_packages python3-grpcio python3-protobuf protobuf-compiler libprotobuf-dev grpc-proto chromium fonts-dejavu-core
fi

# PostgreSQL: start whichever cluster is installed (15/main on the reference machine).
if ! pg_lsclusters -h | awk '{print $4}' | grep -q online; then
  read -r ver name _ < <(pg_lsclusters -h | head -n1)
  as_root pg_ctlcluster "$ver" "$name" start
fi
for _ in $(seq 1 30); do as_root runuser -u postgres -- pg_isready -q && break; sleep 1; done

psql_admin() { as_root runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtA "$@"; }
# The owner: CREATEDB for per-test databases and demo sources. (CREATEROLE is what older set-ups gave it for the
# sandbox roles; the sandbox-role maker below does that now, and an owner with it can also make the maker itself.)
if [ "$(psql_admin -c "select 1 from pg_roles where rolname='$PG_ROLE'")" != 1 ]; then
  psql_admin -c "create role \"$PG_ROLE\" login createdb createrole password '$PG_PASSWORD'"
fi
# The runtime role: a login and nothing else; the migrations grant it what it needs in the database. The owner is a
# member (never the reverse), so that dropping a database WITH (FORCE) may end the runtime role's sessions.
if [ "$(psql_admin -c "select 1 from pg_roles where rolname='$PG_APP_ROLE'")" != 1 ]; then
  psql_admin -c "create role \"$PG_APP_ROLE\" login nocreatedb nocreaterole password '$PG_APP_PASSWORD'"
fi
# The sandbox-role maker (migration 0010): no login, CREATEROLE, and SET on temp_file_limit, which only the superuser can
# grant, so the per-run roles carry a bound on their temporary files. The owner is a member so it can hand it the
# sandbox_roles functions.
if [ "$(psql_admin -c "select 1 from pg_roles where rolname='etlstudio_sandboxer'")" != 1 ]; then
  psql_admin -c "create role etlstudio_sandboxer nologin createrole"
fi
psql_admin -c "set client_min_messages = warning" -c "grant \"$PG_APP_ROLE\" to \"$PG_ROLE\"" -c "grant etlstudio_sandboxer to \"$PG_ROLE\"" -c "grant set on parameter temp_file_limit to etlstudio_sandboxer"
if [ "$(psql_admin -c "select 1 from pg_database where datname='$PG_DATABASE'")" != 1 ]; then
  psql_admin -c "create database \"$PG_DATABASE\" owner \"$PG_ROLE\""
fi

# The studio's script editor (CodeMirror), bundled into wwwroot/js; rebuilt only when its sources change.
client="$here/EtlStudio.Web/ClientApp"
bundle="$here/EtlStudio.Web/wwwroot/js/editor.js"
if [ ! -f "$bundle" ] || [ "$client/editor.mjs" -nt "$bundle" ] || [ "$client/package-lock.json" -nt "$bundle" ]; then
  (cd "$client" && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
fi

# S3 storage (issue 31): s3rver, the S3 API server the tests and the demo start; installed for both.
s3rver_dir="$here/scripts/s3rver"
if [ ! -d "$s3rver_dir/node_modules" ] || [ "$s3rver_dir/package-lock.json" -nt "$s3rver_dir/node_modules" ]; then
  (cd "$s3rver_dir" && npm ci --no-audit --no-fund --loglevel=error && touch node_modules)
fi

if [ $want_test = 1 ] && [ -f "$here/tests/node/package.json" ]; then
  (cd "$here/tests/node" && { [ -d node_modules ] && [ node_modules -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; })
fi
