using EtlStudio.Tests.Infrastructure;

namespace EtlStudio.Tests.Jobs;

public sealed class WorkerOnlyMetricsTests(WorkerOnlyApp app) : IClassFixture<WorkerOnlyApp>
{
    [Fact]
    public async Task A_worker_only_node_serves_metrics_on_its_http_port_and_no_pages()
    {
        IReadOnlyList<PrometheusText.Sample> samples = [];
        await Eventually.TrueAsync(async () =>
        {
            samples = await MetricsEndpointTests.ScrapeAsync(app.BaseUrl);
            return samples.Value("etlstudio_job_servers") >= 1;
        }, "the worker's Hangfire server to register");

        Assert.Contains(samples, s => s.Name == "etlstudio_runs");
        using var http = new HttpClient();
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync($"{app.BaseUrl}/jobs")).StatusCode);
    }
}
