using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EtlStudio.Core.Persistence;

/// <summary>
/// Applies the embedded, hand-written SQL migrations in order. Runs under a session advisory lock
/// so several nodes starting together apply each migration exactly once; each migration commits
/// with its bookkeeping row. An applied migration whose text changed stops start-up.
/// </summary>
public sealed partial class DatabaseMigrator(NpgsqlDataSource dataSource, ILogger<DatabaseMigrator> logger)
{
    private const long MigrationLockKey = 0x45544C4D49475241; // "ETLMIGRA"
    private const string ResourcePrefix = "EtlStudio.Core.Persistence.Migrations.";

    public static IReadOnlyList<(string Name, string Sql)> Embedded { get; } = LoadEmbedded();

    public async Task<int> MigrateAsync(CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await ExecAsync(conn, null, "SELECT pg_advisory_lock(@k)", ct, ("k", MigrationLockKey));
        try
        {
            await ExecAsync(conn, null, """
                CREATE TABLE IF NOT EXISTS public.etlstudio_migrations (
                    name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                """, ct);
            var applied = new Dictionary<string, string>();
            await using (var cmd = new NpgsqlCommand("SELECT name, checksum FROM public.etlstudio_migrations", conn))
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct)) applied[reader.GetString(0)] = reader.GetString(1);

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
            return count;
        }
        finally
        {
            await ExecAsync(conn, null, "SELECT pg_advisory_unlock(@k)", CancellationToken.None, ("k", MigrationLockKey));
        }
    }

    private static async Task ExecAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string sql, CancellationToken ct,
        params (string Name, object Value)[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        foreach (var (n, v) in parameters) cmd.Parameters.AddWithValue(n, v);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static string Checksum(string sql) =>
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
