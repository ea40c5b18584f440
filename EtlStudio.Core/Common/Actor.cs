namespace EtlStudio.Core.Common;

/// <summary>
/// Who is calling a Core service and through which door. Built by the edges from the signed-in
/// user or the bearer token's subject; never from request fields.
/// </summary>
public sealed record Actor(Guid UserId, string Login, ActorSource Source, string? ClientAddress = null, string? CorrelationId = null)
{
    /// <summary>The identity recurring jobs act under; it holds no roles and is allowed only what jobs do.</summary>
    public static readonly Guid SystemUserId = new("00000000-0000-0000-0000-000000000001");

    public static Actor System(string? correlationId = null) => new(SystemUserId, "system", ActorSource.Job, null, correlationId);

    public bool IsSystem => UserId == SystemUserId;

    public string Correlation => CorrelationId ?? string.Empty;
}
