# EtlStudio: one image for web nodes and worker-only nodes (Workers__Mode=WorkerOnly).
# Written and reviewed; no Docker engine was available to build it on the development machines.

FROM node:20-bookworm-slim AS assets
WORKDIR /client
COPY EtlStudio.Web/ClientApp/package.json EtlStudio.Web/ClientApp/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY EtlStudio.Web/ClientApp/ ./
RUN npx esbuild editor.mjs --bundle --minify --format=iife --outfile=/client/out/editor.js

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
COPY --from=assets /client/out/editor.js EtlStudio.Web/wwwroot/js/editor.js
RUN dotnet publish EtlStudio.Web/EtlStudio.Web.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# curl only for the HEALTHCHECK; the aspnet image has no HTTP client of its own.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_ENVIRONMENT=Production \
    HTTP_PORT=5080 \
    GRPC_PORT=5081 \
    Auth__Mode=Oidc
EXPOSE 5080 5081
# The .NET images ship a non-root user "app" (UID 1654).
USER app
HEALTHCHECK --interval=15s --timeout=3s --start-period=40s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${HTTP_PORT}/health/live" || exit 1
ENTRYPOINT ["dotnet", "EtlStudio.Web.dll"]
