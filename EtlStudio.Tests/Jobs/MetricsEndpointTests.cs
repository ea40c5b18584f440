using EtlStudio.Tests.Grpc;
using EtlStudio.Tests.Infrastructure;
using EtlStudio.Protos.UserManager;
using Npgsql;

namespace EtlStudio.Tests.Jobs;

public sealed class MetricsEndpointTests(AppProcess app) : IClassFixture<AppProcess>
{
    private const string GetUser = "/etl.user.manager.V1.UserManager/GetUser";

    [Fact]
    public async Task Metrics_are_prometheus_text_with_runs_steps_queue_nodes_and_grpc_calls()
    {
        await SeedFinishedStepAsync();
        using (var grpc = new RawGrpcClient(app.GrpcTarget))
        {
            Assert.Equal("0", (await grpc.SendAsync(GetUser, GrpcFrames.Of(new GetUserRequest()), token: await TokenAsync())).GrpcStatus);
            Assert.Equal("16", (await grpc.SendAsync(GetUser, GrpcFrames.Of(new GetUserRequest()))).GrpcStatus);
        }
        // The node's Hangfire server registers once it has started.
        IReadOnlyList<PrometheusText.Sample> samples = [];
        await Eventually.TrueAsync(async () =>
        {
            samples = await ScrapeAsync(app.BaseUrl);
            return samples.Value("etlstudio_job_servers") >= 1;
        }, "the node's Hangfire server to register");

        Assert.True(samples.Value("etlstudio_runs", ("state", "Prepared")) >= 1);
        Assert.Equal(0, samples.Value("etlstudio_runs", ("state", "Discarded")));
        Assert.Equal(3, samples.Value("etlstudio_run_step_seconds_total", ("step", "metrics-probe")), 3);
        Assert.Equal(1, samples.Value("etlstudio_run_steps_total", ("step", "metrics-probe")));
        Assert.Equal(100, samples.Value("etlstudio_run_step_rows_in_total", ("step", "metrics-probe")));
        Assert.Equal(90, samples.Value("etlstudio_run_step_rows_out_total", ("step", "metrics-probe")));
        Assert.Equal(10, samples.Value("etlstudio_run_step_rows_rejected_total", ("step", "metrics-probe")));
        Assert.Equal(0, samples.Value("etlstudio_job_queue_length", ("queue", "runs")));
        Assert.Equal(0, samples.Value("etlstudio_job_queue_length", ("queue", "uploads")));
        Assert.Equal(0, samples.Value("etlstudio_job_queue_length", ("queue", "upkeep")));
        Assert.Equal(0, samples.Value("etlstudio_jobs_processing"));
        Assert.Equal(0, samples.Value("etlstudio_jobs_failed"));
        Assert.True(samples.Value("etlstudio_grpc_calls_total", ("method", GetUser), ("code", "OK")) >= 1);
        Assert.True(samples.Value("etlstudio_grpc_calls_total", ("method", GetUser), ("code", "Unauthenticated")) >= 1);
        Assert.True(samples.Value("etlstudio_grpc_call_duration_seconds_total", ("method", GetUser), ("code", "OK")) > 0);
        // The garbage collector's figures, this node's own: a node that served calls has allocated, and collected at least once.
        Assert.True(samples.Value("dotnet_gc_allocated_bytes_total") > 0);
        Assert.True(samples.Value("dotnet_gc_collections_total", ("generation", "gen0")) >= 1);
        Assert.True(samples.Value("dotnet_gc_pause_time_seconds_total") > 0);
    }

    [Fact]
    public async Task Metrics_need_no_sign_in_and_say_they_are_prometheus_text()
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync($"{app.BaseUrl}/metrics");

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(response.Content.Headers.ContentType!.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
    }

    [Fact]
    public async Task Every_series_the_grafana_dashboard_queries_is_exported()
    {
        var dashboard = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "deploy", "grafana", "dashboards", "etlstudio.json"));
        var queried = System.Text.RegularExpressions.Regex.Matches(dashboard, @"(etlstudio|dotnet_gc)_[a-z_]+").Select(m => m.Value)
            .Where(n => n != "etlstudio_prometheus").Distinct().ToList();
        using var http = new HttpClient();
        var text = await http.GetStringAsync($"{app.BaseUrl}/metrics");
        var families = text.Split('\n').Where(l => l.StartsWith("# TYPE ")).Select(l => l.Split(' ')[2]).ToHashSet();

        Assert.NotEmpty(queried);
        Assert.All(queried, name => Assert.True(families.Contains(name)
            || families.Any(f => name == f + "_sum" || name == f + "_count"), $"{name} is not exported"));
    }

    internal static async Task<IReadOnlyList<PrometheusText.Sample>> ScrapeAsync(string baseUrl)
    {
        using var http = new HttpClient();
        return PrometheusText.Parse(await http.GetStringAsync($"{baseUrl}/metrics"));
    }

    private async Task<string> TokenAsync()
    {
        using var http = new HttpClient();
        var response = await http.PostAsync($"{app.BaseUrl}/auth/dev-token", new FormUrlEncodedContent([new("user", "alice")]));
        return System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>A finished run (of a task of its own) with one step of known size and a three-second duration.</summary>
    private async Task SeedFinishedStepAsync()
    {
        await using var conn = new NpgsqlConnection(app.DatabaseConnectionString);
        await conn.OpenAsync();
        var id = Guid.NewGuid();
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO app.users (id, login, display_name, created_at) VALUES (@id, 'metrics-' || @id::text, 'metrics', now());
            INSERT INTO app.etl_tasks (id, name, status, created_by, created_at, updated_at) VALUES (@id, 'metrics-' || @id::text, 'Released', @id, now(), now());
            INSERT INTO app.pipeline_runs (id, task_id, number, state, schema_name, definition_json, requested_by, created_at, started_at, finished_at)
            VALUES (@id, @id, 1, 'Prepared', @schema, '{}', @id, now(), now(), now());
            INSERT INTO app.run_steps (run_id, step, ordinal, status, rows_in, rows_out, rows_rejected, started_at, finished_at)
            VALUES (@id, 'metrics-probe', 1, 'Succeeded', 100, 90, 10, now() - interval '3 seconds', now());
            """, conn);
        cmd.Parameters.AddWithValue("id", id);
        cmd.Parameters.AddWithValue("schema", "run_" + id.ToString("N"));
        await cmd.ExecuteNonQueryAsync();
    }
}
