#!/usr/bin/env bash
# Starts EtlStudio on this machine: PostgreSQL, database, migrations, demo data, UI on :5080, gRPC on :5081.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup-env.sh
export ConnectionStrings__Default="${ConnectionStrings__Default:-Host=localhost;Username=etlstudio;Password=etlstudio;Database=etlstudio}"
export Auth__Mode="${Auth__Mode:-Development}"
export Demo__Seed="${Demo__Seed:-true}"
export HTTP_PORT="${HTTP_PORT:-5080}" GRPC_PORT="${GRPC_PORT:-5081}"
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
dotnet build EtlStudio.Web -c Release -nologo -v q
echo "EtlStudio: UI http://localhost:$HTTP_PORT  gRPC h2c localhost:$GRPC_PORT"
# The content root is the project folder, where wwwroot and the static-asset manifest resolve.
cd EtlStudio.Web
exec dotnet bin/Release/net10.0/EtlStudio.Web.dll "$@"
