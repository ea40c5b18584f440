using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EtlStudio.Core.Demo;

/// <summary>
/// Seeds the demo: alice (administrator with every role), bob (owner of the demo sources),
/// carol (data manager), dave (no roles); demo source and destination databases; their connections; the demo task. With an
/// S3 server (<see cref="DemoOptions.S3Endpoint"/>) also an S3 data module, with a task that uploads to it, run and
/// uploaded once so the module has a first version.
/// Idempotent: each part is skipped when it exists, so a seed interrupted halfway completes on the next start, and an
/// installation seeded before it had an S3 server gets the S3 module on its next start with one.
/// </summary>
public sealed partial class DemoSeeder(ChangeScope scope, AuditTrail audit, ConnectionService connections,
    IConfiguration configuration, TimeProvider time, IOptions<DemoOptions> options, DemoTaskSeeder demoTask, DemoPublisher publisher, ILogger<DemoSeeder> logger)
{
    public static readonly Guid AliceId = new("a11ce000-0000-0000-0000-000000000001");
    public static readonly Guid BobId = new("b0b00000-0000-0000-0000-000000000002");
    public static readonly Guid CarolId = new("ca201000-0000-0000-0000-000000000003");
    public static readonly Guid DaveId = new("da7e0000-0000-0000-0000-000000000004");

    private static readonly Actor Alice = new(AliceId, "alice", ActorSource.Job, null, "demo-seed");
    private const string Crm = "CRM (demo)", Billing = "Billing (demo)", Warehouse = "Customer analytics data module (demo)", Lake = "Churn features on S3 (demo)";

    public async Task SeedAsync(CancellationToken ct = default)
    {
        // The demo task is seeded last: once it exists, the sources (recreated on every seed) are not touched again.
        if (!await scope.ReadAsync(db => db.Tasks.AnyAsync(t => t.Name == DemoTaskSeeder.TaskName, ct), ct)) await SeedPostgresDemoAsync(ct);
        await SeedS3DemoAsync(ct);
    }

    private async Task SeedPostgresDemoAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var system = Actor.System("demo-seed");
        await scope.RunAsync(async db =>
        {
            if (await db.Users.AnyAsync(u => u.Id == AliceId, ct)) return;
            AddUser(db, AliceId, "alice", "Alice Admin", now, Enum.GetValues<UserRole>());
            AddUser(db, BobId, "bob", "Bob Source-Owner", now, [UserRole.CreateExtDatamodule, UserRole.ProcessEtlTask]);
            AddUser(db, CarolId, "carol", "Carol Data-Manager", now, [UserRole.ManageData]);
            AddUser(db, DaveId, "dave", "Dave Newcomer", now, []);
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, system, "demo.seed", "User", null, new AuditChanges().Created("users", new[] { "alice", "bob", "carol", "dave" }), ct);
        }, ct);

        var prefix = options.Value.DatabasePrefix;
        var crm = await CreateSourceDatabaseAsync($"{prefix}_crm", DemoSourceData.Crm, ct);
        var billing = await CreateSourceDatabaseAsync($"{prefix}_billing", DemoSourceData.Billing, ct);
        var warehouse = await CreateSourceDatabaseAsync($"{prefix}_warehouse", "SELECT 1", ct);

        var bob = new Actor(BobId, "bob", ActorSource.Job, null, "demo-seed");
        await CreateConnectionAsync(bob, new ConnectionInput(Crm, ConnectionKind.PostgreSql,
            "Customer master data from the CRM. Contains personal data.", """{"tables":{"customers":["id","full_name","email","birth_date","city","zip","yearly_income","age"]}}""", crm, null), ct);
        await CreateConnectionAsync(bob, new ConnectionInput(Billing, ConnectionKind.PostgreSql,
            "Clients and orders from billing.", """{"tables":{"clients":["client_id","name","email","city","yearly_income","age"],"orders":["order_id","customer_id","amount","ordered_at","status"]}}""", billing, null), ct);
        await CreateConnectionAsync(Alice, new ConnectionInput(Warehouse, ConnectionKind.PostgreSql,
            "Destination: anonymized customers and orders for the churn model.", "{}", warehouse, null), ct);
        var ids = await ConnectionIdsAsync(ct);
        await demoTask.SeedAsync(ids[Crm], ids[Billing], ids[Warehouse], ct);
        LogSeeded(prefix);
    }

    /// <summary>The S3 data module, its task and its first version (each skipped when there), when the demo has an S3 server that answers.</summary>
    private async Task SeedS3DemoAsync(CancellationToken ct)
    {
        if (await DemoS3LocationAsync(ct) is not { } lake) return;
        await CreateConnectionAsync(Alice, new ConnectionInput(Lake, ConnectionKind.S3,
            "Destination: the churn model's tables as versioned Parquet with Croissant metadata, in object storage.", "{}", lake.Format(), null), ct);
        var ids = await ConnectionIdsAsync(ct);
        var task = await demoTask.SeedS3Async(ids[Crm], ids[Billing], ids[Lake], ct);
        await publisher.PublishAsync(task, ct);
    }

    private async Task CreateConnectionAsync(Actor owner, ConnectionInput input, CancellationToken ct)
    {
        if (!await scope.ReadAsync(db => db.Connections.AnyAsync(c => c.Name == input.Name, ct), ct)) await connections.CreateAsync(owner, input, ct);
    }

    private Task<Dictionary<string, Guid>> ConnectionIdsAsync(CancellationToken ct) =>
        scope.ReadAsync(db => db.Connections.Where(c => c.Name == Crm || c.Name == Billing || c.Name == Warehouse || c.Name == Lake).ToDictionaryAsync(c => c.Name, c => c.Id, ct), ct);

    /// <summary>The demo bucket on the configured S3 server (s3rver accepts its own key pair), created if needed; null without a server.</summary>
    private async Task<S3Location?> DemoS3LocationAsync(CancellationToken ct)
    {
        if (options.Value.S3Endpoint is not { Length: > 0 } endpoint) return null;
        var lake = new S3Location(endpoint, "us-east-1", "etlstudio-demo", "modules/churn", true, "S3RVER", "S3RVER");
        try
        {
            using var s3 = lake.CreateClient();
            await s3.PutBucketAsync(new Amazon.S3.Model.PutBucketRequest { BucketName = lake.Bucket }, ct);
        }
        catch (Amazon.S3.AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists") { }
        catch (Amazon.Runtime.AmazonServiceException)
        {
            LogNoS3(endpoint);
            return null;
        }
        return lake;
    }

    private static void AddUser(EtlStudioDbContext db, Guid id, string login, string name, DateTimeOffset now, IEnumerable<UserRole> roles)
    {
        db.Users.Add(new User { Id = id, Login = login, DisplayName = name, Email = $"{login}@etlstudio.local", CreatedAt = now });
        foreach (var role in roles) db.RoleAssignments.Add(new RoleAssignment { Id = Guid.NewGuid(), UserId = id, Role = role, AssignedAt = now });
    }

    /// <summary>
    /// Creates (or recreates) a demo database on the application's server and returns its connection string. The owner
    /// role makes it (the runtime role may not create databases) and the demo connections use the owner's login too,
    /// when given apart (ConnectionStrings:Owner): the demo sources are the owner's, not the runtime role's.
    /// </summary>
    private async Task<string> CreateSourceDatabaseAsync(string name, string sql, CancellationToken ct)
    {
        var server = configuration.GetConnectionString("Owner") is { Length: > 0 } owner ? owner : configuration.GetConnectionString("Default");
        await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Pooling = false }.ConnectionString))
        {
            await admin.OpenAsync(ct);
            await using (var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin)) await cmd.ExecuteNonQueryAsync(ct);
            await using (var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin)) await cmd.ExecuteNonQueryAsync(ct);
        }
        var cs = new NpgsqlConnectionStringBuilder(server) { Database = name, Pooling = false };
        await using var conn = new NpgsqlConnection(cs.ConnectionString);
        await conn.OpenAsync(ct);
        await using (var cmd = new NpgsqlCommand(sql, conn)) await cmd.ExecuteNonQueryAsync(ct);
        return cs.ConnectionString;
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Seeded demo users, sources ({Prefix}_*) and connections")]
    private partial void LogSeeded(string prefix);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "No S3 server answers at {Endpoint}; the demo goes without its S3 data module")]
    private partial void LogNoS3(string endpoint);
}
