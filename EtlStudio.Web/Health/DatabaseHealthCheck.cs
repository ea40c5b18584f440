using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace EtlStudio.Web.Health;

/// <summary>Ready means the database answers and is migrated.</summary>
internal sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await using var cmd = dataSource.CreateCommand("SELECT count(*) FROM public.etlstudio_migrations");
            var applied = (long)(await cmd.ExecuteScalarAsync(ct))!;
            return applied > 0 ? HealthCheckResult.Healthy($"{applied} migrations applied") : HealthCheckResult.Unhealthy("Database not migrated.");
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("Database unreachable.");
        }
    }
}
