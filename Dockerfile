# EtlStudio: one image for web nodes and worker-only nodes (Workers__Mode=WorkerOnly).
# No Docker engine runs on the development machines: CI builds it (.github/workflows/ci.yml); here its stages were
# replayed by hand (npm ci + npm run build, restore from the project files alone, publish --no-restore).

# The script editor (CodeMirror), bundled by the same "npm run build" that scripts/setup-env.sh runs: it writes
# ../wwwroot/js/editor.js, so the stage keeps the repository's layout.
FROM node:20-bookworm-slim AS assets
WORKDIR /src/EtlStudio.Web/ClientApp
COPY EtlStudio.Web/ClientApp/package.json EtlStudio.Web/ClientApp/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY EtlStudio.Web/ClientApp/ ./
RUN npm run build

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files alone, so source edits reuse the restore layer.
COPY Directory.Build.props Directory.Packages.props EtlStudio.sln ./
COPY EtlStudio.Core/EtlStudio.Core.csproj EtlStudio.Core/
COPY EtlStudio.Jobs/EtlStudio.Jobs.csproj EtlStudio.Jobs/
COPY EtlStudio.Web/EtlStudio.Web.csproj EtlStudio.Web/
RUN dotnet restore EtlStudio.Web/EtlStudio.Web.csproj
COPY protos/ protos/
COPY EtlStudio.Core/ EtlStudio.Core/
COPY EtlStudio.Jobs/ EtlStudio.Jobs/
COPY EtlStudio.Web/ EtlStudio.Web/
COPY --from=assets /src/EtlStudio.Web/wwwroot/js/editor.js EtlStudio.Web/wwwroot/js/editor.js
RUN dotnet publish EtlStudio.Web/EtlStudio.Web.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# curl only for the HEALTHCHECK; the aspnet image has no HTTP client of its own.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
# Nothing secret is baked in: ConnectionStrings__Default (the runtime role), ConnectionStrings__Owner (the owner, only
# where this container migrates; or run "migrate" apart), Audit__ChainKey and DataProtection__ProtectionKey come from
# the environment at run time (README, "Two database roles and the keys").
ENV ASPNETCORE_ENVIRONMENT=Production \
    HTTP_PORT=5080 \
    GRPC_PORT=5081 \
    Auth__Mode=Oidc
EXPOSE 5080 5081
# The .NET images ship a non-root user "app", UID 1654 ($APP_UID). Numeric, so that Kubernetes' runAsNonRoot can
# verify it (a user name cannot be checked) — deploy/k8s runs the pods as this UID.
USER $APP_UID
HEALTHCHECK --interval=15s --timeout=3s --start-period=40s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${HTTP_PORT}/health/live" || exit 1
ENTRYPOINT ["dotnet", "EtlStudio.Web.dll"]
