using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EtlStudio.Core.Persistence;

/// <summary>
/// Applies the embedded, hand-written SQL migrations in order, as the owner role (ConnectionStrings:Owner, else
/// ConnectionStrings:Default), then grants the runtime role (<see cref="RuntimeRole"/>) what the nodes need and no
/// more. Runs under a session advisory lock so several nodes starting together apply each migration exactly once; each
/// migration commits with its bookkeeping row. An applied migration whose text changed stops start-up, and so does a
/// pending migration when the role connected cannot change the schema (the runtime role), saying what to do.
/// </summary>
public sealed partial class DatabaseMigrator(NpgsqlDataSource dataSource, ILogger<DatabaseMigrator> logger,
    string? runtimeRole = null, IEnumerable<IDatabaseSchemaInstaller>? installers = null)
{
    private const long MigrationLockKey = 0x45544C4D49475241; // "ETLMIGRA"
    private const string ResourcePrefix = "EtlStudio.Core.Persistence.Migrations.";

    public static IReadOnlyList<(string Name, string Sql)> Embedded { get; } = LoadEmbedded();

    /// <summary>The role the nodes log in as, which the migrations grant to; null when the nodes use the owner's.</summary>
    public string? RuntimeRole => runtimeRole;

    public async Task<int> MigrateAsync(CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await ExecAsync(conn, null, "SELECT pg_advisory_lock(@k)", ct, ("k", MigrationLockKey));
        try
        {
            var applied = await AppliedAsync(conn, ct);
            var pending = Embedded.Where(m => !applied.ContainsKey(m.Name)).Select(m => m.Name).ToList();
            if (!await MayChangeSchemaAsync(conn, ct))
            {
                // The runtime role: it can check but not migrate (nor grant).
                if (pending.Count == 0) return 0;
                throw new InvalidOperationException(
                    $"The database needs {pending.Count} migration(s) ({string.Join(", ", pending)}), but the role {conn.UserName} "
                    + "does not own the schema and may not change it. Apply them as the owner role: run "
                    + "\"dotnet EtlStudio.Web.dll migrate\" with ConnectionStrings__Owner (or ConnectionStrings__Default) set to the owner's "
                    + "connection string and Database__RuntimeRole to this role, or give this node ConnectionStrings__Owner as well.");
            }
            await ExecAsync(conn, null, """
                CREATE TABLE IF NOT EXISTS public.etlstudio_migrations (
                    name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                """, ct);

            var count = 0;
            foreach (var (name, sql) in Embedded)
            {
                var checksum = Checksum(sql);
                if (applied.TryGetValue(name, out var existing))
                {
                    if (existing != checksum)
                        throw new InvalidOperationException($"Migration {name} was changed after it was applied; add a new migration instead.");
                    continue;
                }
                await using var tx = await conn.BeginTransactionAsync(ct);
                await ExecAsync(conn, tx, sql, ct);
                await ExecAsync(conn, tx, "INSERT INTO public.etlstudio_migrations (name, checksum) VALUES (@n, @c)", ct, ("n", name), ("c", checksum));
                await tx.CommitAsync(ct);
                LogApplied(name);
                count++;
            }
            foreach (var installer in installers ?? []) await installer.InstallAsync(conn, ct);
            if (runtimeRole is not null && runtimeRole != conn.UserName) await GrantRuntimeAsync(conn, runtimeRole, ct);
            return count;
        }
        finally
        {
            await ExecAsync(conn, null, "SELECT pg_advisory_unlock(@k)", CancellationToken.None, ("k", MigrationLockKey));
        }
    }

    private static async Task<Dictionary<string, string>> AppliedAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        var applied = new Dictionary<string, string>();
        // Read, not created, here: the runtime role may read the table but not create one in public.
        await using var exists = new NpgsqlCommand("SELECT to_regclass('public.etlstudio_migrations') IS NOT NULL", conn);
        if (!(bool)(await exists.ExecuteScalarAsync(ct))!) return applied;
        await using var cmd = new NpgsqlCommand("SELECT name, checksum FROM public.etlstudio_migrations", conn);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) applied[reader.GetString(0)] = reader.GetString(1);
        return applied;
    }

    /// <summary>The owner of the schema app may; before there is one, whoever may create schemas in the database.</summary>
    private static async Task<bool> MayChangeSchemaAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT coalesce((SELECT pg_has_role(nspowner, 'USAGE') FROM pg_namespace WHERE nspname = 'app'),
                            has_database_privilege(current_database(), 'CREATE'))
            """, conn);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// What the nodes need, granted afresh after every migration run so that tables a later migration adds are covered:
    /// data in app and hangfire, schemas of their own for the runs, the sandbox-role functions. The audit trail is
    /// append-only (SELECT, INSERT), the key ring may be added to and re-wrapped but not deleted, and the start of the
    /// keyed chain may only be sealed. The owner keeps every table, trigger and function.
    /// </summary>
    private static async Task GrantRuntimeAsync(NpgsqlConnection conn, string role, CancellationToken ct)
    {
        await using (var exists = new NpgsqlCommand("SELECT 1 FROM pg_roles WHERE rolname = @r", conn))
        {
            exists.Parameters.AddWithValue("r", role);
            if (await exists.ExecuteScalarAsync(ct) is null)
                throw new InvalidOperationException($"The runtime role {role} (Database:RuntimeRole) does not exist; create it first (README, \"Two database roles\").");
        }
        var r = Quote(role);
        await using (var db = new NpgsqlCommand("SELECT current_database()", conn))
            await ExecAsync(conn, null, $"GRANT CONNECT, TEMPORARY, CREATE ON DATABASE {Quote((string)(await db.ExecuteScalarAsync(ct))!)} TO {r}", ct);
        await ExecAsync(conn, null, $"""
            GRANT SELECT ON public.etlstudio_migrations TO {r};
            GRANT USAGE ON SCHEMA app, sandbox_roles TO {r};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA app TO {r};
            GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA app TO {r};
            REVOKE ALL ON app.audit_entries, app.audit_keying, app.data_protection_keys FROM {r};
            GRANT SELECT, INSERT ON app.audit_entries TO {r};
            GRANT SELECT, UPDATE (seal) ON app.audit_keying TO {r};
            GRANT SELECT, INSERT, UPDATE (xml) ON app.data_protection_keys TO {r};
            GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA sandbox_roles TO {r};
            DO $$ BEGIN
                IF to_regnamespace('hangfire') IS NOT NULL THEN
                    GRANT USAGE ON SCHEMA hangfire TO {r};
                    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA hangfire TO {r};
                    GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA hangfire TO {r};
                END IF;
            END $$;
            """, ct);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    private static async Task ExecAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string sql, CancellationToken ct,
        params (string Name, object Value)[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        foreach (var (n, v) in parameters) cmd.Parameters.AddWithValue(n, v);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    internal static string Checksum(string sql) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n"))));

    private static List<(string, string)> LoadEmbedded()
    {
        var assembly = Assembly.GetExecutingAssembly();
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n =>
            {
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream);
                return (n[ResourcePrefix.Length..^4], reader.ReadToEnd());
            })
            .ToList();
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Applied database migration {Name}")]
    private partial void LogApplied(string name);
}
