using Microsoft.Extensions.Caching.Memory;

namespace EtlStudio.Core.Identity;

/// <summary>
/// Recently read user views, so a client asking for the same user again and again (gRPC GetUser)
/// costs no database work. An entry is used only while the user's permissions in
/// <see cref="AccessPolicy"/> are the very instance it was read beside: every role or grant change
/// calls <see cref="AccessPolicy.Invalidate"/>, so it drops the view as well.
/// </summary>
internal sealed class UserViewCache(IMemoryCache cache)
{
    // A few seconds, like the permission cache: changes made on another node show up soon.
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    private sealed record Entry(UserPermissions ReadWith, UserView View, DateTimeOffset ValidUntil);

    public UserView? Find(Guid userId, UserPermissions current, DateTimeOffset now) =>
        cache.TryGetValue(Key(userId), out Entry? entry) && entry is not null
        && ReferenceEquals(entry.ReadWith, current) && now < entry.ValidUntil
            ? entry.View
            : null;

    /// <summary>
    /// Keeps the view until <see cref="CacheFor"/> has passed or one of its roles or grants expires,
    /// whichever comes first, so its IsActive flags are never stale.
    /// </summary>
    public void Store(UserView view, UserPermissions readWith, DateTimeOffset now)
    {
        var until = now + CacheFor;
        foreach (var r in view.Roles)
            if (r.ExpiresAt is { } e && e > now && e < until) until = e;
        foreach (var g in view.Grants)
            if (g.ExpiresAt is { } e && e > now && e < until) until = e;
        cache.Set(Key(view.Id), new Entry(readWith, view, until), until - now);
    }

    private static string Key(Guid userId) => "userview:" + userId.ToString("N");
}
