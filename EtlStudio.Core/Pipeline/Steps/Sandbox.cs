using Npgsql;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// The per-run role transformation scripts log in as. It has no membership in any role, only USAGE and CREATE on the
/// run's schema and SELECT (DML too when Update scripts run) on the task's tables there; the application role is made a member of it so it can take
/// over what the scripts created. A login of its own (not SET ROLE) means a script cannot RESET ROLE its way out.
/// </summary>
internal static class Sandbox
{
    public static string RoleFor(Guid runId) => "etl_sbx_" + runId.ToString("N");

    public static async Task CreateAsync(StepContext ctx, string role, string password, IEnumerable<string> tables, bool readOnly, CancellationToken ct)
    {
        var r = Sql.Ident(role);
        // The role may survive a crashed attempt; a new password makes the old one useless.
        await ctx.ExecAsync($"""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
                    CREATE ROLE {r} LOGIN NOINHERIT CONNECTION LIMIT 2;
                END IF;
            END $$;
            ALTER ROLE {r} LOGIN PASSWORD '{password}' VALID UNTIL '{DateTime.UtcNow.AddDays(1):yyyy-MM-dd HH:mm:ss}+00';
            GRANT {r} TO CURRENT_USER;
            GRANT USAGE, CREATE ON SCHEMA {Sql.Ident(ctx.Schema)} TO {r};
            """, ct);
        foreach (var t in tables) await ctx.ExecAsync($"GRANT {(readOnly ? "SELECT" : "SELECT, INSERT, UPDATE, DELETE")} ON {ctx.T(t)} TO {r}", ct);
    }

    /// <summary>The scripts' tables become the application's, and the role goes.</summary>
    public static async Task HandOverAsync(StepContext ctx, string role, IEnumerable<string> targets, CancellationToken ct)
    {
        foreach (var t in targets)
        {
            if (await ctx.ExistsAsync(t, ct)) await ctx.ExecAsync($"ALTER TABLE {ctx.T(t)} OWNER TO CURRENT_USER", ct);
            else throw new PipelineFailure(PipelineStep.Transform, $"The Merge transformation into '{t}' did not create it.");
        }
        await ctx.ExecAsync($"DROP OWNED BY {Sql.Ident(role)}; DROP ROLE {Sql.Ident(role)}", ct);
    }

    /// <summary>After a failure: drop what the scripts made and the role itself, on a connection of its own.</summary>
    public static async Task DropAsync(NpgsqlDataSource dataSource, string role, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand($"""
            DO $$ BEGIN
                IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
                    DROP OWNED BY {Sql.Ident(role)}; DROP ROLE {Sql.Ident(role)};
                END IF;
            END $$;
            """, conn);
        await cmd.ExecuteNonQueryAsync(ct);
    }

}
