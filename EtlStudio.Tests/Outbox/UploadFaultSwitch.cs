using EtlStudio.Core.Upload;

namespace EtlStudio.Tests.Outbox;

/// <summary>Crashes one run's upload once at a chosen point (a simulated worker crash); other runs pass untouched.</summary>
public sealed class UploadFaultSwitch : IUploadFaults
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, (string Point, int Part)> _armed = [];

    /// <summary>Arms a crash: <paramref name="point"/> is "part", "before-commit", "after-metadata" (S3) or "after-commit"; for "part", after part number <paramref name="part"/>.</summary>
    public void CrashOnce(Guid runId, string point, int part = 0)
    {
        lock (_gate) _armed[runId] = (point, part);
    }

    public Task AfterPartAsync(Guid runId, string table, int part, CancellationToken ct) => Fire(runId, "part", part);

    public Task BeforeCommitAsync(Guid runId, CancellationToken ct) => Fire(runId, "before-commit", 0);

    public Task AfterMetadataAsync(Guid runId, CancellationToken ct) => Fire(runId, "after-metadata", 0);

    public Task AfterCommitAsync(Guid runId, CancellationToken ct) => Fire(runId, "after-commit", 0);

    private Task Fire(Guid runId, string point, int part)
    {
        lock (_gate)
        {
            if (!_armed.TryGetValue(runId, out var armed) || armed.Point != point || armed.Part != part) return Task.CompletedTask;
            _armed.Remove(runId);
        }
        throw new SimulatedCrashException($"{point} {part}");
    }
}
