namespace EtlStudio.Core.Notifications;

/// <summary>
/// In-process signal that a user has new notifications, so an open bell updates at once.
/// Other nodes' notifications arrive through the bell's periodic refresh.
/// </summary>
public sealed class NotificationFeed
{
    public event Action<Guid>? Changed;

    public void Publish(IEnumerable<Guid> userIds)
    {
        foreach (var id in userIds.Distinct()) Changed?.Invoke(id);
    }
}
