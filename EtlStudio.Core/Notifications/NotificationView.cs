namespace EtlStudio.Core.Notifications;

public sealed record NotificationView(Guid Id, string Title, string Body, string? Link, DateTimeOffset CreatedAt, bool IsRead);
