using System.Collections.Concurrent;

namespace EtlStudio.Core.Identity;

/// <summary>
/// <see cref="AccessPolicy.GetAsync"/> for hot paths: when the cached permissions have just expired,
/// concurrent callers for one user share one database read instead of each starting their own
/// (64 concurrent gRPC calls used to start up to 64 reads of three queries each).
/// </summary>
internal sealed class SharedPermissionReads(AccessPolicy policy)
{
    private readonly ConcurrentDictionary<Guid, Task<UserPermissions>> _reading = new();

    public Task<UserPermissions> GetAsync(Guid userId, CancellationToken ct)
    {
        if (_reading.TryGetValue(userId, out var running)) return running.WaitAsync(ct);
        // Shared with other callers, so no single caller's token may cancel it.
        var read = policy.GetAsync(userId, CancellationToken.None);
        if (read.IsCompleted) return read; // a cache hit: the usual case
        var shared = _reading.GetOrAdd(userId, read);
        if (shared == read)
            _ = read.ContinueWith(static (_, state) =>
            {
                var (reading, entry) = ((ConcurrentDictionary<Guid, Task<UserPermissions>>, KeyValuePair<Guid, Task<UserPermissions>>))state!;
                reading.TryRemove(entry);
            }, (_reading, new KeyValuePair<Guid, Task<UserPermissions>>(userId, read)), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return shared.WaitAsync(ct);
    }
}
