using EtlStudio.Core.Common;

namespace EtlStudio.Web.Grpc;

/// <summary>What a service method knows about its call: who calls, until when, and the HTTP/2 request.</summary>
public sealed class GrpcCallContext(HttpContext http, Actor? actor, DateTimeOffset? deadline, CancellationToken cancellationToken)
{
    public HttpContext HttpContext { get; } = http;

    /// <summary>The authenticated caller. Methods that allow anonymous calls (health, reflection) have none.</summary>
    public Actor Actor => actor ?? throw DomainException.Unauthenticated();

    public DateTimeOffset? Deadline { get; } = deadline;
    public CancellationToken CancellationToken { get; } = cancellationToken;
    public IHeaderDictionary RequestHeaders => HttpContext.Request.Headers;
}
