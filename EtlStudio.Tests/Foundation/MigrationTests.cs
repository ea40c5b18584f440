using EtlStudio.Core.Persistence;
using EtlStudio.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EtlStudio.Tests.Foundation;

public sealed class MigrationTests : IAsyncLifetime
{
    private readonly TestDatabase _db = new();
    public Task InitializeAsync() => _db.InitializeAsync();
    public Task DisposeAsync() => _db.DisposeAsync();

    private DatabaseMigrator Migrator(NpgsqlDataSource ds) => new(ds, NullLogger<DatabaseMigrator>.Instance);

    [Fact]
    public async Task Migrations_apply_to_an_empty_database_and_a_second_run_applies_nothing()
    {
        await using var ds = NpgsqlDataSource.Create(_db.ConnectionString);
        var first = await Migrator(ds).MigrateAsync();
        var second = await Migrator(ds).MigrateAsync();

        Assert.Equal(DatabaseMigrator.Embedded.Count, first);
        Assert.Equal(0, second);
        await using var cmd = ds.CreateCommand("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'app'");
        Assert.True((long)(await cmd.ExecuteScalarAsync())! >= 14);
    }

    [Fact]
    public async Task Nodes_starting_together_apply_each_migration_once()
    {
        await using var ds = NpgsqlDataSource.Create(_db.ConnectionString);
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Migrator(ds).MigrateAsync())));

        Assert.Equal(DatabaseMigrator.Embedded.Count, results.Sum());
        await using var cmd = ds.CreateCommand("SELECT count(*) FROM public.etlstudio_migrations");
        Assert.Equal((long)DatabaseMigrator.Embedded.Count, (long)(await cmd.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_migration_edited_after_it_was_applied_stops_start_up()
    {
        await using var ds = NpgsqlDataSource.Create(_db.ConnectionString);
        await Migrator(ds).MigrateAsync();
        await using (var cmd = ds.CreateCommand("UPDATE public.etlstudio_migrations SET checksum = 'x' WHERE name = '0001_app_schema'"))
            await cmd.ExecuteNonQueryAsync();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => Migrator(ds).MigrateAsync());
        Assert.Contains("0001_app_schema", ex.Message);
    }
}
