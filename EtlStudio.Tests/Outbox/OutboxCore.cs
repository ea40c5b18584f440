using EtlStudio.Core.Runs;
using EtlStudio.Core.Upload;
using EtlStudio.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace EtlStudio.Tests.Outbox;

/// <summary>
/// The Core over a fresh database, with a run queue that only records what was queued (the tests run the executor
/// themselves) and a fault switch the upload tests use to crash an upload at a chosen point. Backoff is short.
/// </summary>
public sealed class OutboxCore : CoreServices
{
    public RecordingRunQueue Queue { get; } = new();
    public UploadFaultSwitch Faults { get; } = new();

    protected override void Configure(IServiceCollection services)
    {
        services.AddSingleton<IRunQueue>(Queue);
        services.AddSingleton<IUploadFaults>(Faults);
        services.Configure<UploadOptions>(o =>
        {
            o.InitialBackoff = TimeSpan.FromMilliseconds(5);
            o.MaxBackoff = TimeSpan.FromMilliseconds(40);
            o.RequestTimeout = TimeSpan.FromSeconds(5);
            // Small S3 parts and row groups, so a few dozen rows already make several of each.
            o.S3RowsPerPart = 10;
            o.S3RowsPerRowGroup = 4;
        });
    }
}
