using Npgsql;

namespace EtlStudio.Core.Persistence;

/// <summary>
/// A schema that a library installs itself (Hangfire's storage), installed by <see cref="DatabaseMigrator"/> as the
/// owner role after the migrations, so that the nodes, logged in as the runtime role, never need to create anything.
/// </summary>
public interface IDatabaseSchemaInstaller
{
    Task InstallAsync(NpgsqlConnection ownerConnection, CancellationToken ct);
}
