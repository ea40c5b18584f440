using System.Text.Json;
using EtlStudio.Tests.Infrastructure;
using Npgsql;

namespace EtlStudio.Tests.Grpc;

/// <summary>
/// A seeded fuzz (tests/grpc/fuzz.py, real python3-grpcio client) over every method of the six services: 5,000 well-formed
/// requests each carrying one value the door must refuse, then hostile but valid requests, then payloads that are not
/// the method's message. Same seed, same calls: a failure can be replayed with the script alone.
/// </summary>
public sealed class GrpcFuzzTests(GrpcFuzzTests.Run run) : IClassFixture<GrpcFuzzTests.Run>
{
    private static readonly string[] Tables =
    [
        "users", "role_assignments", "connections", "connection_grants", "access_requests", "scripts", "script_revisions",
        "etl_tasks", "pipeline_runs", "audit_entries", "notifications",
    ];

    public sealed class Run : AppProcess
    {
        public JsonElement Defects { get; private set; }
        public JsonElement Hostile { get; private set; }
        public JsonElement Garbage { get; private set; }
        public IReadOnlyDictionary<string, long> Before { get; private set; } = null!;
        public IReadOnlyDictionary<string, long> AfterDefects { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Before = await CountAsync();
            Defects = await PythonGrpcClient.RunAsync("fuzz.py", BaseUrl, GrpcTarget, "--mode", "defects", "--calls", "5000");
            AfterDefects = await CountAsync();
            Hostile = await PythonGrpcClient.RunAsync("fuzz.py", BaseUrl, GrpcTarget, "--mode", "hostile", "--calls", "1500");
            Garbage = await PythonGrpcClient.RunAsync("fuzz.py", BaseUrl, GrpcTarget, "--mode", "garbage", "--calls", "1000");
        }

        private async Task<IReadOnlyDictionary<string, long>> CountAsync()
        {
            await using var conn = new NpgsqlConnection(DatabaseConnectionString);
            await conn.OpenAsync();
            var counts = new Dictionary<string, long>();
            foreach (var table in Tables)
            {
                await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM app.{table}", conn);
                counts[table] = (long)(await cmd.ExecuteScalarAsync())!;
            }
            return counts;
        }
    }

    private static void AssertClean(JsonElement result)
    {
        Assert.Equal(0, result.GetProperty("violation_count").GetInt32());
        Assert.Equal(0, result.GetProperty("stack_traces").GetInt32());
        Assert.False(result.GetProperty("codes").TryGetProperty("UNKNOWN", out _));
        Assert.Equal("SERVING", result.GetProperty("health_after").GetString());
    }

    [Fact]
    public void Five_thousand_refusable_requests_over_all_six_services_each_end_INVALID_ARGUMENT_naming_the_field()
    {
        var defects = run.Defects;
        Assert.Equal(5000, defects.GetProperty("calls").GetInt32());
        Assert.Equal(5000, defects.GetProperty("codes").GetProperty("INVALID_ARGUMENT").GetInt32());
        var services = defects.GetProperty("by_service").EnumerateObject().Select(p => p.Name).Order().ToList();
        Assert.Equal(
        [
            "etl.audit.logger.V1.AuditLogger", "etl.data.manager.V1.DataManager", "etl.ext.datamodule.manager.V1.ExtDatamoduleManager",
            "etl.script.manager.V1.ScriptManager", "etl.task.manager.V1.EtlTaskManager", "etl.user.manager.V1.UserManager",
        ], services);
        var kinds = defects.GetProperty("by_kind").EnumerateObject().Select(p => p.Name).Order().ToList();
        Assert.Equal(["enum", "id", "nul", "page", "timestamp", "utf8"], kinds);
        AssertClean(defects);
    }

    [Fact]
    public void A_refused_request_creates_nothing()
    {
        Assert.Equal(run.Before, run.AfterDefects);
    }

    [Fact]
    public void Hostile_but_well_formed_requests_never_end_INTERNAL_or_UNKNOWN()
    {
        Assert.Equal(1500, run.Hostile.GetProperty("calls").GetInt32());
        Assert.False(run.Hostile.GetProperty("codes").TryGetProperty("INTERNAL", out _));
        AssertClean(run.Hostile);
    }

    [Fact]
    public void Payloads_that_are_not_the_methods_message_end_INTERNAL_at_worst_and_never_UNKNOWN()
    {
        Assert.Equal(1000, run.Garbage.GetProperty("calls").GetInt32());
        AssertClean(run.Garbage);
    }
}
