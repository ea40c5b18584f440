using Npgsql;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// The per-run role transformation scripts log in as. It has no membership in any role, only USAGE and CREATE on the
/// run's schema and SELECT (DML too when Update scripts run) on the task's tables there; the application role is made a member of it so it can take
/// over what the scripts created. A login of its own (not SET ROLE) means a script cannot RESET ROLE its way out.
/// The application role does not hold CREATEROLE: the role is made, disabled and dropped by the functions in schema
/// sandbox_roles (migration 0010), which run as a role that may make only roles of this shape.
/// </summary>
internal static class Sandbox
{
    public static string RoleFor(Guid runId) => "etl_sbx_" + runId.ToString("N");

    /// <param name="tempFileLimit">
    /// The bound on the scripts' temporary files (temp_file_limit, in bytes), which the role carries where the
    /// superuser allowed the sandbox-role maker to set it (scripts/setup-env.sh); otherwise only the watch bounds them.
    /// </param>
    public static async Task CreateAsync(StepContext ctx, string role, string password, IEnumerable<string> tables, bool readOnly,
        long tempFileLimit, CancellationToken ct)
    {
        var r = Sql.Ident(role);
        // The role may survive a crashed attempt; a new password makes the old one useless.
        await using (var make = new NpgsqlCommand("SELECT sandbox_roles.make(@role, @password, @until, @limit)", ctx.Connection, ctx.Transaction))
        {
            make.Parameters.AddWithValue("role", role);
            make.Parameters.AddWithValue("password", password);
            make.Parameters.AddWithValue("until", DateTimeOffset.UtcNow.AddDays(1));
            make.Parameters.AddWithValue("limit", Math.Max(1, tempFileLimit / 1024));
            await make.ExecuteNonQueryAsync(ct);
        }
        await ctx.ExecAsync($"GRANT USAGE, CREATE ON SCHEMA {Sql.Ident(ctx.Schema)} TO {r}", ct);
        foreach (var t in tables) await ctx.ExecAsync($"GRANT {(readOnly ? "SELECT" : "SELECT, INSERT, UPDATE, DELETE")} ON {ctx.T(t)} TO {r}", ct);
    }

    /// <summary>
    /// Refuses anything the scripts left that could run code as whoever touches it later — the application, when later
    /// steps, the outbox pages or the upload read the tables: every object the role owns must be a plain table in the
    /// run's schema, with no trigger, rule, policy, default or generated column, check or foreign key, or index over
    /// expressions. Read from the catalogs by the application, before anything of the sandbox's is touched.
    /// </summary>
    public static async Task VerifyAsync(StepContext ctx, string role, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            WITH me AS (SELECT oid FROM pg_roles WHERE rolname = @role),
                 tables AS (SELECT c.oid FROM pg_class c, me WHERE c.relowner = me.oid AND c.relkind IN ('r', 'p'))
            SELECT what FROM (
                SELECT pg_describe_object(d.classid, d.objid, d.objsubid) AS what FROM pg_shdepend d, me
                WHERE d.refclassid = 'pg_authid'::regclass AND d.refobjid = me.oid AND d.deptype = 'o'
                  AND d.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND NOT (d.classid = 'pg_class'::regclass AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = d.objid
                      AND ((c.relkind = 'r' AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = @schema)) OR c.relkind = 't')))
                UNION ALL SELECT pg_describe_object('pg_trigger'::regclass, t.oid, 0) FROM pg_trigger t WHERE t.tgrelid IN (SELECT oid FROM tables) AND NOT t.tgisinternal
                UNION ALL SELECT pg_describe_object('pg_rewrite'::regclass, w.oid, 0) FROM pg_rewrite w WHERE w.ev_class IN (SELECT oid FROM tables)
                UNION ALL SELECT pg_describe_object('pg_policy'::regclass, p.oid, 0) FROM pg_policy p WHERE p.polrelid IN (SELECT oid FROM tables)
                UNION ALL SELECT 'row level security on ' || c.oid::regclass::text FROM pg_class c WHERE c.oid IN (SELECT oid FROM tables) AND (c.relrowsecurity OR c.relforcerowsecurity)
                UNION ALL SELECT pg_describe_object('pg_attrdef'::regclass, a.oid, 0) FROM pg_attrdef a WHERE a.adrelid IN (SELECT oid FROM tables)
                UNION ALL SELECT pg_describe_object('pg_constraint'::regclass, k.oid, 0) FROM pg_constraint k WHERE k.conrelid IN (SELECT oid FROM tables) AND k.contype NOT IN ('p', 'u')
                UNION ALL SELECT pg_describe_object('pg_class'::regclass, i.indexrelid, 0) FROM pg_index i
                    WHERE i.indrelid IN (SELECT oid FROM tables) AND (i.indexprs IS NOT NULL OR i.indpred IS NOT NULL)
            ) x ORDER BY what
            """, ctx.Connection, ctx.Transaction);
        cmd.Parameters.AddWithValue("role", role);
        cmd.Parameters.AddWithValue("schema", ctx.Schema);
        var found = new List<string>();
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) found.Add(reader.IsDBNull(0) ? "an object" : reader.GetString(0));
        if (found.Count > 0)
            throw new PipelineFailure(PipelineStep.Transform,
                $"The transformations left {string.Join(", ", found.Take(5))}{(found.Count > 5 ? $" and {found.Count - 5} more" : "")}; "
                + "they may leave only plain tables (no views, functions, triggers, rules, policies, defaults, checks or expression indexes).");
    }

    /// <summary>The scripts' tables become the application's, and the role goes; call <see cref="VerifyAsync"/> first.</summary>
    public static async Task HandOverAsync(StepContext ctx, string role, IEnumerable<string> targets, CancellationToken ct)
    {
        foreach (var t in targets)
        {
            if (await ctx.ExistsAsync(t, ct)) await ctx.ExecAsync($"ALTER TABLE {ctx.T(t)} OWNER TO CURRENT_USER", ct);
            else throw new PipelineFailure(PipelineStep.Transform, $"The Merge transformation into '{t}' did not create it.");
        }
        await ctx.ExecAsync($"DROP OWNED BY {Sql.Ident(role)}", ct);
        await using var drop = new NpgsqlCommand("SELECT sandbox_roles.drop(@role)", ctx.Connection, ctx.Transaction);
        drop.Parameters.AddWithValue("role", role);
        await drop.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// After a failure: ends the role's sessions, drops what the scripts made and the role itself, on a connection of its
    /// own. A role that cannot be dropped is at least left unable to log in, and the failure says so.
    /// </summary>
    public static async Task DropAsync(NpgsqlDataSource dataSource, string role, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = @role)", conn);
        exists.Parameters.AddWithValue("role", role);
        if (!(bool)(await exists.ExecuteScalarAsync(ct))!) return;
        var r = Sql.Ident(role);
        try
        {
            // Terminated and waited for (up to 10 s each), so that none holds a lock the drop needs.
            await using (var end = new NpgsqlCommand("SELECT sandbox_roles.disable(@role); SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE usename = @role", conn))
            {
                end.Parameters.AddWithValue("role", role);
                await end.ExecuteNonQueryAsync(ct);
            }
            // CASCADE: what the scripts hung on their own objects (a trigger on a table of theirs) goes with them.
            await using var drop = new NpgsqlCommand($"DROP OWNED BY {r} CASCADE; SELECT sandbox_roles.drop(@role)", conn);
            drop.Parameters.AddWithValue("role", role);
            await drop.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e)
        {
            throw new PipelineFailure(PipelineStep.Transform,
                $"The transformations' sandbox role {role} could not be removed ({e.MessageText}); it can no longer log in. An administrator must drop it.", e);
        }
    }
}
