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
    [InlineData("rejects_all", "OK")]
    [InlineData("rejects_denied", "PERMISSION_DENIED")]
    [InlineData("rejects_missing_run", "NOT_FOUND")]
    [InlineData("rejects_bad_run_id", "INVALID_ARGUMENT")]
    [InlineData("rejects_page_size_too_large", "INVALID_ARGUMENT")]
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

    // The demo CRM's 500 customers (EtlStudio.Core/Demo/DemoSourceData.cs): age 150 for every 29th id (17), -3 for every
    // 31st (16), an empty e-mail for every 23rd (21); no id is two of these. So age 0-120 drops 33, e-mail required 21.
    [Fact]
    public void ListRunRejects_pages_through_a_runs_rejects_and_filters_by_step_table_rule_and_column()
    {
        Assert.Equal("Prepared", Scenario("rejects_run").GetProperty("state").GetString());
        long Total(string name) => Scenario(name).GetProperty("total").GetInt64();
        List<long> Ids(string name) => Scenario(name).GetProperty("ids").EnumerateArray().Select(i => i.GetInt64()).ToList();
        List<string> Set(string name, string property) => Scenario(name).GetProperty(property).EnumerateArray().Select(i => i.GetString()!).ToList();

        Assert.Equal(54, Total("rejects_all"));
        Assert.Equal(25, Ids("rejects_all").Count); // the default page size
        Assert.Equal([20, 20, 14, 0], new[] { 1, 2, 3, 4 }.Select(p => Ids($"rejects_page_{p}").Count));
        Assert.Equal(2, Scenario("rejects_page_2").GetProperty("page").GetInt32());
        var paged = new[] { 1, 2, 3 }.SelectMany(p => Ids($"rejects_page_{p}")).ToList();
        Assert.Equal(54, paged.Distinct().Count());
        Assert.Equal(paged.Order(), paged);

        Assert.Equal(54, Total("rejects_step_field_rules"));
        Assert.Equal(["FieldRules"], Set("rejects_step_field_rules", "steps"));
        Assert.Equal(0, Total("rejects_step_merge"));
        Assert.Equal(33, Total("rejects_rule_out_of_range"));
        Assert.Equal(["age"], Set("rejects_rule_out_of_range", "columns"));
        Assert.Equal(21, Total("rejects_column_email"));
        Assert.Equal(["RemoveEmpty"], Set("rejects_column_email", "rules"));
        Assert.Equal(33, Total("rejects_all_filters"));
        Assert.Equal(["customers"], Set("rejects_all_filters", "tables"));
        Assert.Equal(0, Total("rejects_no_match"));
        // Each reject carries the record as it was dropped.
        var ages = Scenario("rejects_all_filters").GetProperty("records").EnumerateArray().Select(r => r.GetProperty("age").ToString()).Distinct().Order().ToList();
        Assert.Equal(["-3", "150"], ages);
        Assert.Contains("page_size", Scenario("rejects_page_size_too_large").GetProperty("details").GetString());
        Assert.Contains("run_id", Scenario("rejects_bad_run_id").GetProperty("details").GetString());
    }
}
