using EtlStudio.Core.Persistence;
using Hangfire.PostgreSql;
using Npgsql;

namespace EtlStudio.Jobs.Hosting;

/// <summary>
/// Installs or upgrades Hangfire's storage schema as the owner role, with the migrations; the storage itself no longer
/// prepares its schema, since the nodes' runtime role may not create tables. Hangfire's scripts skip the versions
/// already applied.
/// </summary>
internal sealed class HangfireSchemaInstaller : IDatabaseSchemaInstaller
{
    public Task InstallAsync(NpgsqlConnection ownerConnection, CancellationToken ct)
    {
        PostgreSqlObjectsInstaller.Install(ownerConnection, EtlStudioJobsRegistration.StorageSchema);
        return Task.CompletedTask;
    }
}
