using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Core.Notifications;

/// <summary>In-app notifications: written with the change that causes them, read and marked by their owner.</summary>
public sealed class NotificationService(ChangeScope scope, TimeProvider time, NotificationFeed feed) : INotificationInbox
{
    /// <summary>Adds a notification to <paramref name="db"/>'s unit of work; call <see cref="Publish"/> after commit.</summary>
    public void Add(EtlStudioDbContext db, Guid userId, string title, string body, string? link = null) =>
        db.Notifications.Add(new Notification
        {
            Id = Guid.NewGuid(), UserId = userId, Title = title, Body = body, Link = link, CreatedAt = time.GetUtcNow(),
        });

    public void Publish(params IEnumerable<Guid> userIds) => feed.Publish(userIds);

    public Task<Paged<NotificationView>> ListAsync(Actor actor, PageRequest page, bool unreadOnly = false, CancellationToken ct = default) =>
        scope.ReadAsync(async db =>
        {
            var q = db.Notifications.Where(n => n.UserId == actor.UserId);
            if (unreadOnly) q = q.Where(n => n.ReadAt == null);
            var total = await q.LongCountAsync(ct);
            var items = await q.OrderByDescending(n => n.CreatedAt).Skip(page.Skip).Take(page.SafeSize)
                .Select(n => new NotificationView(n.Id, n.Title, n.Body, n.Link, n.CreatedAt, n.ReadAt != null)).ToListAsync(ct);
            return new Paged<NotificationView>(items, total, page.SafePage, page.SafeSize);
        }, ct);

    public Task<int> UnreadCountAsync(Actor actor, CancellationToken ct = default) =>
        scope.ReadAsync(db => db.Notifications.CountAsync(n => n.UserId == actor.UserId && n.ReadAt == null, ct), ct);

    /// <summary>Marks one notification (or, with null, all of them) as read. Reading is not audited: it changes nothing shared.</summary>
    public async Task MarkReadAsync(Actor actor, Guid? notificationId, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await scope.RunAsync(async db =>
        {
            var q = db.Notifications.Where(n => n.UserId == actor.UserId && n.ReadAt == null);
            if (notificationId is { } id) q = q.Where(n => n.Id == id);
            await q.ExecuteUpdateAsync(s => s.SetProperty(n => n.ReadAt, now), ct);
        }, ct);
        feed.Publish([actor.UserId]);
    }
}
