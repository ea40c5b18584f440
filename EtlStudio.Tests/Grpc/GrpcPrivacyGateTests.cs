using System.Text.Json;
using EtlStudio.Tests.Infrastructure;
using Npgsql;

namespace EtlStudio.Tests.Grpc;

/// <summary>The privacy gate over gRPC with a real client (python3-grpcio) against the running app and its workers (issue 33).</summary>
public sealed class GrpcPrivacyGateTests(GrpcPrivacyGateTests.Scenarios run) : IClassFixture<GrpcPrivacyGateTests.Scenarios>
{
    public sealed class Scenarios : AppProcess
    {
        public JsonElement Results { get; private set; }

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            var crm = new NpgsqlConnectionStringBuilder(TestDatabase.ServerConnectionString) { Database = DemoPrefix + "_crm" }.ConnectionString;
            var warehouse = new NpgsqlConnectionStringBuilder(TestDatabase.ServerConnectionString) { Database = DemoPrefix + "_warehouse" }.ConnectionString;
            Results = await PythonGrpcClient.RunAsync("privacy_scenarios.py", BaseUrl, GrpcTarget, crm, warehouse);
        }
    }

    private JsonElement Scenario(string name) =>
        run.Results.TryGetProperty(name, out var s) ? s : throw new Xunit.Sdk.XunitException($"Scenario {name} did not run.");

    [Theory]
    [InlineData("policy_set", "OK")]
    [InlineData("policy_invalid", "INVALID_ARGUMENT")]
    [InlineData("outbox_privacy", "OK")]
    [InlineData("upload_refused", "FAILED_PRECONDITION")]
    [InlineData("upload_denied", "PERMISSION_DENIED")]
    [InlineData("upload_missing_run", "NOT_FOUND")]
    [InlineData("upload_bad_id", "INVALID_ARGUMENT")]
    [InlineData("upload_exception", "OK")]
    [InlineData("upload_passing", "OK")]
    public void Each_call_answers_its_status(string scenario, string code) =>
        Assert.Equal(code, Scenario(scenario).GetProperty("code").GetString());

    [Fact]
    public void A_refused_upload_names_each_failing_threshold_with_its_value_and_its_limit()
    {
        var details = Scenario("upload_refused").GetProperty("details").GetString()!;
        var k = Scenario("outbox_privacy").GetProperty("report").GetProperty("tables")[0].GetProperty("kReached").GetInt64();
        Assert.Contains($"customers: k = {k} is below the minimum 100000", details);
        Assert.Contains($"customers: highest risk = {Math.Round(1.0 / k, 6).ToString("0.######", System.Globalization.CultureInfo.InvariantCulture)} is above the maximum 0.0001", details);
        Assert.DoesNotContain("share removed", details); // met: nothing was removed
        Assert.False(Scenario("outbox_privacy").GetProperty("passed").GetBoolean());
        Assert.Equal(2, Scenario("outbox_privacy").GetProperty("failing").GetArrayLength());
        Assert.Contains("minK", Scenario("policy_invalid").GetProperty("details").GetString());
    }

    [Fact]
    public void The_policy_reads_back_and_an_administrators_exception_publishes_with_its_reason()
    {
        var policy = Scenario("task_policy");
        Assert.Equal(100000, policy.GetProperty("min_k").GetInt32());
        Assert.True(policy.GetProperty("has_max_removed_share").GetBoolean());
        Assert.Equal(5, policy.GetProperty("proposed_min_k").GetInt32());
        Assert.Equal("Uploading", Scenario("upload_exception").GetProperty("state").GetString());
        Assert.Equal("Uploaded", Scenario("uploaded_with_exception").GetString());
        Assert.Equal("Synthetic demo customers; no real person behind them.", Scenario("exception_reason").GetString());
        Assert.Equal("Uploading", Scenario("upload_passing").GetProperty("state").GetString());
    }
}
