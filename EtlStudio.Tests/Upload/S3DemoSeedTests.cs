using EtlStudio.Core.Demo;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Pipeline;
using EtlStudio.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EtlStudio.Tests.Uploads;

/// <summary>
/// The S3 demo data module (issue 31): <c>./run.sh</c> gives the demo an s3rver, and the seed at start configures a task
/// uploading to it, runs it and uploads its outbox once, so the Data modules page has a version on S3 at first sight.
/// </summary>
public sealed class S3DemoSeedTests(S3DemoSeedTests.World world) : IClassFixture<S3DemoSeedTests.World>
{
    /// <summary>Core over its own database, with the demo seeded into source databases of its own and an s3rver.</summary>
    public sealed class World : CoreServices
    {
        public S3TestServer S3 { get; } = new();
        public string DemoPrefix { get; } = "etltest_demo_" + Guid.NewGuid().ToString("N")[..12];

        protected override void Configure(IServiceCollection services) =>
            services.Configure<DemoOptions>(o => (o.Seed, o.DatabasePrefix, o.S3Endpoint) = (true, DemoPrefix, S3.Endpoint));

        public override async Task InitializeAsync()
        {
            await S3.InitializeAsync();
            await base.InitializeAsync();
        }

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            await S3.DisposeAsync();
            await TestDatabase.DropDemoDatabasesAsync(DemoPrefix);
        }
    }

    /// <summary>The S3 demo's task, connection, runs ("state error") and versions, as text so two readings compare by value.</summary>
    private sealed record Seeded(int Tasks, int Connections, string Runs, string Versions);

    private async Task<Seeded> SeededAsync()
    {
        await using var db = await world.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        var task = await db.Tasks.Where(t => t.Name == DemoTaskSeeder.S3TaskName).Select(t => (Guid?)t.Id).FirstOrDefaultAsync();
        var lake = await db.Connections.Where(c => c.Kind == ConnectionKind.S3).Select(c => (Guid?)c.Id).FirstOrDefaultAsync();
        return new Seeded(
            await db.Tasks.CountAsync(t => t.Name == DemoTaskSeeder.S3TaskName),
            await db.Connections.CountAsync(c => c.Kind == ConnectionKind.S3),
            string.Join("; ", (await db.Runs.Where(r => r.TaskId == task).OrderBy(r => r.Number).Select(r => new { r.State, r.Error }).ToListAsync()).Select(r => $"{r.State} {r.Error}".Trim())),
            string.Join(", ", await db.DatamoduleVersions.Where(v => v.ConnectionId == lake).OrderBy(v => v.Version).Select(v => v.Version).ToListAsync()));
    }

    [Fact]
    public async Task A_start_with_an_S3_server_publishes_the_S3_demo_module_once_even_on_an_installation_seeded_without_one()
    {
        var seeder = world.Get<DemoSeeder>();
        var options = world.Get<IOptions<DemoOptions>>().Value;
        var endpoint = options.S3Endpoint;

        // First start without an S3 server (an installation from before issue 31): the PostgreSQL demo only.
        options.S3Endpoint = null;
        await seeder.SeedAsync();
        Assert.Equal(new Seeded(0, 0, "", ""), await SeededAsync());

        // The next start has one: the module, its task and its first version, uploaded.
        options.S3Endpoint = endpoint;
        await seeder.SeedAsync();
        var seeded = await SeededAsync();
        Assert.Equal(new Seeded(1, 1, "Uploaded", "1"), seeded);

        // What an ML team finds in the bucket: the pointer, the version's Croissant document and its Parquet parts, whose
        // sha256 the reader checks, holding the outbox's rows.
        var lake = new Core.Connections.S3Location(endpoint!, "us-east-1", "etlstudio-demo", "modules/churn", true, S3TestServer.AccessKey, S3TestServer.SecretKey);
        using var reader = new S3ModuleReader(lake);
        var keys = await reader.KeysAsync("");
        Assert.Equal(["current.json", "v1/croissant.json", "v1/customers/part-00000.parquet", "v1/order_totals/part-00000.parquet", "v1/orders/part-00000.parquet"], keys);
        var current = await reader.CurrentAsync();
        Assert.Equal(1, current.Number);
        Assert.Equal(["customers", "order_totals", "orders"], current.Tables.Keys.Order(StringComparer.Ordinal));
        var schema = await SchemaOfTheRunAsync();
        await using (var conn = new NpgsqlConnection(world.OwnerConnectionString))
        {
            await conn.OpenAsync();
            foreach (var (table, read) in current.Tables)
            {
                await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM {Sql.Table(schema, table)}", conn);
                Assert.Equal((long)(await cmd.ExecuteScalarAsync())!, read.Rows.Count);
                Assert.NotEmpty(read.Rows);
            }
        }

        // Every further start finds it done: no second task, run or version, the bucket unchanged.
        await seeder.SeedAsync();
        Assert.Equal(seeded, await SeededAsync());
        Assert.Equal(keys, await reader.KeysAsync(""));
    }

    private async Task<string> SchemaOfTheRunAsync()
    {
        await using var db = await world.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        return await db.Runs.Where(r => db.Tasks.Any(t => t.Id == r.TaskId && t.Name == DemoTaskSeeder.S3TaskName)).Select(r => r.SchemaName).SingleAsync();
    }
}
