using System.Text.Json;
using EtlStudio.Tests.Infrastructure;
using Npgsql;

namespace EtlStudio.Tests.Grpc;

/// <summary>The run lifecycle over gRPC with a real client (python3-grpcio) against the running app and its workers.</summary>
public sealed class GrpcRunTests(GrpcRunTests.Run run) : IClassFixture<GrpcRunTests.Run>
{
    public sealed class Run : AppProcess
    {
        public JsonElement Results { get; private set; }

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            var crm = new NpgsqlConnectionStringBuilder(TestDatabase.ServerConnectionString) { Database = DemoPrefix + "_crm" }.ConnectionString;
            var warehouse = new NpgsqlConnectionStringBuilder(TestDatabase.ServerConnectionString) { Database = DemoPrefix + "_warehouse" }.ConnectionString;
            Results = await PythonGrpcClient.RunAsync("run_scenarios.py", BaseUrl, GrpcTarget, crm, warehouse);
        }
    }

    private JsonElement Scenario(string name) =>
        run.Results.TryGetProperty(name, out var s) ? s : throw new Xunit.Sdk.XunitException($"Scenario {name} did not run.");

    [Theory]
    [InlineData("start", "OK")]
    [InlineData("start_again_while_active", "FAILED_PRECONDITION")]
    [InlineData("start_denied", "PERMISSION_DENIED")]
    [InlineData("start_missing_task", "NOT_FOUND")]
    [InlineData("start_bad_id", "INVALID_ARGUMENT")]
    [InlineData("pause", "OK")]
    [InlineData("pause_twice", "FAILED_PRECONDITION")]
    [InlineData("resume", "OK")]
    [InlineData("resume_prepared", "OK")]
    [InlineData("stop_uploaded", "FAILED_PRECONDITION")]
    [InlineData("get_run_missing", "NOT_FOUND")]
    [InlineData("get_run_denied", "PERMISSION_DENIED")]
    [InlineData("stop_delete_outbox", "OK")]
    [InlineData("stop_again", "FAILED_PRECONDITION")]
    [InlineData("stop_running", "OK")]
    [InlineData("resume_failed", "OK")]
    public void Each_call_answers_its_status(string scenario, string code) =>
        Assert.Equal(code, Scenario(scenario).GetProperty("code").GetString());

    [Fact]
    public void A_paused_run_stops_after_its_step_and_resumes_to_prepared_without_repeating_steps()
    {
        Assert.Equal("Paused", Scenario("paused").GetProperty("state").GetString());
        var prepared = Scenario("prepared");
        Assert.Equal("Prepared", prepared.GetProperty("state").GetString());
        var steps = prepared.GetProperty("steps").EnumerateArray().Select(s => s[0].GetString()).ToList();
        Assert.Equal(["Extract", "FieldRules", "Merge", "ForeignKeys", "Transform", "Anonymize", "Outbox"], steps);
        Assert.All(prepared.GetProperty("steps").EnumerateArray(), s => Assert.Equal("Succeeded", s[1].GetString()));
        Assert.Equal(500, prepared.GetProperty("steps")[0][2].GetInt64());  // the 500 demo customers extracted
        // Resuming the prepared run uploaded its outbox to the destination.
        Assert.Equal("Uploading", Scenario("resume_prepared").GetProperty("state").GetString());
        Assert.Equal("Uploaded", Scenario("uploaded").GetProperty("state").GetString());
    }

    [Fact]
    public void A_running_run_is_cancelled_by_stop_and_a_failed_source_says_why()
    {
        Assert.Equal("Cancelled", Scenario("stopped").GetProperty("state").GetString());
        var failed = Scenario("failed");
        Assert.Equal("Failed", failed.GetProperty("state").GetString());
        Assert.StartsWith("Source 'down-", failed.GetProperty("error").GetString());
        Assert.Contains("could not be reached", failed.GetProperty("error").GetString());
        Assert.Equal("Queued", Scenario("resume_failed").GetProperty("state").GetString());
        Assert.Equal("Discarded", Scenario("stop_delete_outbox").GetProperty("state").GetString());
    }
}
