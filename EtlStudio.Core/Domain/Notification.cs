namespace EtlStudio.Core.Domain;

/// <summary>An in-app message for one user (access requests, decisions, finished runs).</summary>
public sealed class Notification
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public required string Title { get; set; }
    public string Body { get; set; } = "";
    /// <summary>Relative link into the studio, for example <c>/approvals</c>.</summary>
    public string? Link { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ReadAt { get; set; }
}
