using EtlStudio.Core;
using EtlStudio.Jobs.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

using EtlStudio.Tests.Infrastructure;

namespace EtlStudio.Tests.Jobs;

/// <summary>
/// One worker node as the app wires it — Core plus Hangfire on the shared storage — in a generic host of its own, so two
/// nodes in one test are two service providers and two Hangfire servers.
/// </summary>
public sealed class JobsNode : IAsyncDisposable
{
    private readonly IHost _host;

    private JobsNode(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public T Get<T>() where T : notnull => _host.Services.GetRequiredService<T>();

    public static async Task<JobsNode> StartAsync(IJobsDatabase database, Action<IServiceCollection>? configure = null,
        IDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(TestDatabase.KeySettings())
        {
            ["ConnectionStrings:Default"] = database.ConnectionString,
            // Idle servers look for new jobs often, so tests wait on work, not on polling.
            ["Jobs:QueuePollInterval"] = "00:00:00.200",
        });
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddEtlStudioCore(builder.Configuration);
        builder.Services.AddEtlStudioJobs(builder.Configuration);
        configure?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new JobsNode(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
