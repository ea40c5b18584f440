using Microsoft.Extensions.Caching.Memory;

namespace EtlStudio.Core.Identity;

/// <summary>
/// Recently read user views, so a client asking for the same user again and again (gRPC GetUser)
/// costs no database work. An entry is used only while the user's permissions in
/// <see cref="AccessPolicy"/> still hold what they held when it was read: every role or grant
/// change calls <see cref="AccessPolicy.Invalidate"/>, and the permissions read next differ.
/// Concurrent misses for one user share a single read, so an expiry under load is one query.
/// </summary>
internal sealed class UserViewCache(IMemoryCache cache)
{
    // A few seconds, like the permission cache: changes made on another node show up soon.
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();

    private sealed class Entry(UserPermissions readWith, Lazy<Task<UserView>> view, DateTimeOffset validUntil)
    {
        // UTC ticks in a long: shortened by the reader while others check it, and a long is written atomically.
        private long _validUntil = validUntil.UtcTicks;

        public UserPermissions ReadWith { get; } = readWith;
        public Lazy<Task<UserView>> View { get; } = view;

        public bool Serves(UserPermissions current, DateTimeOffset now) => now.UtcTicks < Volatile.Read(ref _validUntil) && Same(ReadWith, current);

        public void EndNoLaterThan(DateTimeOffset moment)
        {
            if (moment.UtcTicks < Volatile.Read(ref _validUntil)) Volatile.Write(ref _validUntil, moment.UtcTicks);
        }
    }

    /// <summary>The cached view, or the one <paramref name="read"/> returns (shared with concurrent callers).</summary>
    public Task<UserView> GetAsync(Guid userId, UserPermissions current, DateTimeOffset now, Func<Task<UserView>> read)
    {
        var key = new Key(userId);
        if (cache.TryGetValue(key, out Entry? hit) && hit!.Serves(current, now)) return hit.View.Value;
        Entry entry;
        lock (_gate)
        {
            if (cache.TryGetValue(key, out Entry? raced) && raced!.Serves(current, now)) return raced.View.Value;
            entry = new Entry(current, new Lazy<Task<UserView>>(read), now + CacheFor);
            cache.Set(key, entry, CacheFor);
        }
        return CompleteAsync(key, entry, now);
    }

    private async Task<UserView> CompleteAsync(Key key, Entry entry, DateTimeOffset now)
    {
        UserView view;
        try
        {
            view = await entry.View.Value;
        }
        catch
        {
            // A failed read (not found, database down) is not kept: the next call tries again.
            lock (_gate)
                if (cache.TryGetValue(key, out Entry? current) && current == entry) cache.Remove(key);
            throw;
        }
        // Never past the next expiry of one of its roles or grants, so its IsActive flags are never stale.
        foreach (var r in view.Roles)
            if (r.ExpiresAt is { } e && e > now) entry.EndNoLaterThan(e);
        foreach (var g in view.Grants)
            if (g.ExpiresAt is { } e && e > now) entry.EndNoLaterThan(e);
        return view;
    }

    /// <summary>
    /// Same instance, or equal content: a re-read that found nothing changed (the permission cache's
    /// own expiry) must not throw the view away. Lists are short; their order is not significant.
    /// </summary>
    private static bool Same(UserPermissions a, UserPermissions b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a.IsActive != b.IsActive || a.Roles.Count != b.Roles.Count || a.Grants.Count != b.Grants.Count) return false;
        foreach (var r in a.Roles)
            if (!Contains(b.Roles, r)) return false;
        foreach (var g in a.Grants)
            if (!Contains(b.Grants, g)) return false;
        return true;
    }

    private static bool Contains<T>(IReadOnlyList<T> list, T item)
    {
        for (var i = 0; i < list.Count; i++)
            if (EqualityComparer<T>.Default.Equals(list[i], item)) return true;
        return false;
    }

    /// <summary>A user's entry in the shared memory cache: a type of its own, so no other cache's key can equal it, and no string to build per lookup.</summary>
    private readonly record struct Key(Guid UserId);
}
