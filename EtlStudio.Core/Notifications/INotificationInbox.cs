using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;

namespace EtlStudio.Core.Notifications;

/// <summary>
/// What the studio's bell and notification list ask of <see cref="NotificationService"/>: a user's own notifications,
/// read and marked by that user. The boundary lets component tests give the bell its notifications without a database.
/// </summary>
public interface INotificationInbox
{
    Task<Paged<NotificationView>> ListAsync(Actor actor, PageRequest page, bool unreadOnly = false, CancellationToken ct = default);

    Task<int> UnreadCountAsync(Actor actor, CancellationToken ct = default);

    /// <summary>Marks one notification (or, with null, all of them) as read.</summary>
    Task MarkReadAsync(Actor actor, Guid? notificationId, CancellationToken ct = default);
}
