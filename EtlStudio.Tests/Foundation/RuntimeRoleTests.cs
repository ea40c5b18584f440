using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using EtlStudio.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace EtlStudio.Tests.Foundation;

/// <summary>
/// Logged in as the runtime role the nodes use, nothing that would let the application rewrite its own audit trail,
/// or make itself the owner, is allowed (issue 29): each statement is refused by PostgreSQL's privileges.
/// </summary>
public sealed class RuntimeRoleTests(CoreServices core) : IClassFixture<CoreServices>
{
    private async Task RecordAsync()
    {
        await using var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        await core.Get<AuditTrail>().RecordAsync(db, Actor.System("runtime-role-test"), "test.entry", "Test", Guid.NewGuid());
        await tx.CommitAsync();
    }

    private async Task<PostgresException> RefusedAsync(string sql)
    {
        await RecordAsync();
        await using var conn = new NpgsqlConnection(core.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
    }

    [Fact]
    public async Task The_app_runs_as_a_role_that_is_neither_owner_nor_role_maker()
    {
        await using var conn = new NpgsqlConnection(core.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT current_user, r.rolsuper, r.rolcreaterole, r.rolcreatedb, pg_has_role(n.nspowner, 'MEMBER'),
                   (SELECT count(*) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                    WHERE m.member = r.oid AND g.rolname !~ '^etl_sbx_[0-9a-f]{32}$')
            FROM pg_roles r, pg_namespace n WHERE r.rolname = current_user AND n.nspname = 'app'
            """, conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.NotEqual(new NpgsqlConnectionStringBuilder(core.OwnerConnectionString).Username, reader.GetString(0));
        Assert.False(reader.GetBoolean(1), "superuser");
        Assert.False(reader.GetBoolean(2), "CREATEROLE");
        Assert.False(reader.GetBoolean(3), "CREATEDB");
        Assert.False(reader.GetBoolean(4), "member of the schema's owner");
        Assert.Equal(0L, reader.GetInt64(5)); // member of no role but the runs' sandbox roles, which it made
    }

    [Theory]
    [InlineData("UPDATE app.audit_entries SET action = 'tampered'")]
    [InlineData("DELETE FROM app.audit_entries")]
    [InlineData("TRUNCATE app.audit_entries")]
    [InlineData("ALTER TABLE app.audit_entries DISABLE TRIGGER audit_entries_append_only")]
    [InlineData("ALTER TABLE app.audit_entries DISABLE TRIGGER ALL")]
    [InlineData("DROP TRIGGER audit_entries_append_only ON app.audit_entries")]
    [InlineData("ALTER TABLE app.audit_entries ADD COLUMN note text")]
    [InlineData("ALTER TABLE app.audit_entries OWNER TO CURRENT_USER")]
    [InlineData("DROP TABLE app.audit_entries")]
    [InlineData("UPDATE app.audit_keying SET keyed_from = keyed_from + 1000")]
    [InlineData("DELETE FROM app.data_protection_keys")]
    public async Task The_runtime_role_may_not_change_remove_or_unguard_audit_entries(string sql)
    {
        var ex = await RefusedAsync(sql);
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, ex.SqlState);
    }

    [Theory]
    [InlineData("""
        CREATE OR REPLACE FUNCTION app.audit_entry_digest(
            prev_hash bytea, at timestamptz, actor_id uuid, actor_login text, source text, action text,
            entity_type text, entity_id text, outcome text, changes_json jsonb, correlation_id text, client_address text)
        RETURNS bytea LANGUAGE sql IMMUTABLE AS $$ SELECT '\x00'::bytea $$
        """)]
    [InlineData("""
        CREATE OR REPLACE FUNCTION app.audit_entry_text(
            at timestamptz, actor_id uuid, actor_login text, source text, action text, entity_type text, entity_id text,
            outcome text, changes_json jsonb, correlation_id text, client_address text)
        RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'same for all' $$
        """)]
    [InlineData("CREATE OR REPLACE FUNCTION app.audit_entries_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$")]
    [InlineData("CREATE FUNCTION app.shadow() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$")]
    public async Task The_runtime_role_may_not_replace_the_digest_or_the_guard(string sql)
    {
        var ex = await RefusedAsync(sql);
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, ex.SqlState);
    }

    [Fact]
    public async Task The_runtime_role_may_not_grant_itself_the_owner_role()
    {
        var owner = new NpgsqlConnectionStringBuilder(core.OwnerConnectionString).Username!;
        var ex = await RefusedAsync($"GRANT \"{owner}\" TO CURRENT_USER");
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, ex.SqlState);
    }

    [Theory]
    [InlineData("CREATE ROLE intruder LOGIN")]
    [InlineData("GRANT etlstudio_sandboxer TO CURRENT_USER")]
    [InlineData("ALTER ROLE CURRENT_USER CREATEROLE")]
    public async Task The_runtime_role_may_not_make_roles_or_borrow_the_role_maker(string sql)
    {
        var ex = await RefusedAsync(sql);
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, ex.SqlState);
    }

    [Theory]
    // Only names of the sandbox's shape...
    [InlineData("SELECT sandbox_roles.make('etlstudio', 'x', now() + interval '1 day', 1024)")]
    [InlineData("SELECT sandbox_roles.drop('etlstudio_sandboxer')")]
    [InlineData("SELECT sandbox_roles.make('etl_sbx_0123', 'x', now() + interval '1 day', 1024)")]
    public async Task The_sandbox_role_maker_makes_and_drops_only_sandbox_roles(string sql)
    {
        var ex = await RefusedAsync(sql);
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, ex.SqlState);
    }

    [Fact]
    public async Task A_sandbox_role_is_made_of_the_fixed_shape_and_dropped_again()
    {
        var role = "etl_sbx_" + Guid.NewGuid().ToString("N");
        await using var conn = new NpgsqlConnection(core.ConnectionString);
        await conn.OpenAsync();
        await using (var make = new NpgsqlCommand("SELECT sandbox_roles.make(@r, 'pw-1', now() + interval '1 day', 2048)", conn))
        {
            make.Parameters.AddWithValue("r", role);
            await make.ExecuteNonQueryAsync();
        }
        await using (var shape = new NpgsqlCommand("""
            SELECT rolcanlogin, rolinherit, rolconnlimit, rolcreaterole, rolsuper, pg_has_role(current_user, oid, 'MEMBER'),
                   coalesce(array_to_string(rolconfig, ','), '')
            FROM pg_roles WHERE rolname = @r
            """, conn))
        {
            shape.Parameters.AddWithValue("r", role);
            await using var reader = await shape.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.True(reader.GetBoolean(0));
            Assert.False(reader.GetBoolean(1));
            Assert.Equal(2, reader.GetInt32(2));
            Assert.False(reader.GetBoolean(3));
            Assert.False(reader.GetBoolean(4));
            Assert.True(reader.GetBoolean(5), "the app is a member, to take over what the scripts make");
            // scripts/setup-env.sh lets the maker bound the scripts' temporary files.
            Assert.Contains("temp_file_limit=2048kB", reader.GetString(6));
        }
        await using (var drop = new NpgsqlCommand("SELECT sandbox_roles.drop(@r)", conn))
        {
            drop.Parameters.AddWithValue("r", role);
            await drop.ExecuteNonQueryAsync();
        }
        await using var left = new NpgsqlCommand("SELECT count(*) FROM pg_roles WHERE rolname = @r", conn);
        left.Parameters.AddWithValue("r", role);
        Assert.Equal(0L, (long)(await left.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task The_runtime_role_may_write_the_trail_but_only_append()
    {
        await RecordAsync();
        Assert.True((await core.Get<AuditVerifier>().VerifyAsync()).IsIntact);
    }
}
