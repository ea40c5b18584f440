#!/usr/bin/env bash
# Starts EtlStudio on this machine: PostgreSQL, database, migrations, demo data, UI on :5080, gRPC on :5081.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup-env.sh
# Two roles (README, "Two database roles"): the node serves as the runtime role and migrates at start as the owner.
export ConnectionStrings__Default="${ConnectionStrings__Default:-Host=localhost;Username=etlstudio_app;Password=etlstudio_app;Database=etlstudio}"
export ConnectionStrings__Owner="${ConnectionStrings__Owner:-Host=localhost;Username=etlstudio;Password=etlstudio;Database=etlstudio}"
# The keys that must not live in the database: made once for the demo, kept outside the repository.
keys="${ETLSTUDIO_KEYS_DIR:-${XDG_CONFIG_HOME:-$HOME/.config}/etlstudio}"
mkdir -p "$keys" && chmod 700 "$keys"
for k in audit-chain-key keyring-protection-key; do
  [ -s "$keys/$k" ] || (umask 077 && head -c 32 /dev/urandom | base64 > "$keys/$k")
done
export Audit__ChainKey="${Audit__ChainKey:-$(cat "$keys/audit-chain-key")}"
export DataProtection__ProtectionKey="${DataProtection__ProtectionKey:-$(cat "$keys/keyring-protection-key")}"
export Auth__Mode="${Auth__Mode:-Development}"
export Demo__Seed="${Demo__Seed:-true}"
export HTTP_PORT="${HTTP_PORT:-5080}" GRPC_PORT="${GRPC_PORT:-5081}"
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
# The S3 demo data module lives on s3rver (an S3 API server from npm), its data outside the repository; stopped with the app.
s3_state="${XDG_STATE_HOME:-$HOME/.local/state}/etlstudio/s3rver"
mkdir -p "$s3_state"
export S3_PORT="${S3_PORT:-5082}" Demo__S3Endpoint="${Demo__S3Endpoint:-http://127.0.0.1:${S3_PORT:-5082}}"
node scripts/s3rver/node_modules/s3rver/bin/s3rver.js -d "$s3_state" -a 127.0.0.1 -p "$S3_PORT" --no-vhost-buckets --silent &
s3rver_pid=$!
trap 'kill $s3rver_pid 2>/dev/null || true' EXIT
dotnet build EtlStudio.Web -c Release -nologo -v q
# The demo seed uploads to s3rver while the app starts: wait (a few seconds at most) until it listens.
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$S3_PORT") 2>/dev/null && break; sleep 0.1; done
echo "EtlStudio: UI http://localhost:$HTTP_PORT  gRPC h2c localhost:$GRPC_PORT  S3 (s3rver) http://127.0.0.1:$S3_PORT"
# The content root is the project folder, where wwwroot and the static-asset manifest resolve.
cd EtlStudio.Web
# Not exec: the trap above stops s3rver when the app ends.
dotnet bin/Release/net10.0/EtlStudio.Web.dll "$@"
