using System.Diagnostics;
using EtlStudio.Core.Common;
using EtlStudio.Web.Grpc.Protocol;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace EtlStudio.Web.Grpc;

/// <summary>
/// Runs one gRPC call over HTTP/2: checks protocol and content type, routes (UNIMPLEMENTED for
/// anything unknown), applies grpc-timeout, authenticates, reads exactly one message, runs the
/// method and ends with a status — in trailers, or trailers-only when nothing was sent yet.
/// </summary>
internal sealed partial class GrpcCallHandler(
    GrpcServiceRegistry registry,
    GrpcAuthenticator authenticator,
    IOptions<GrpcOptions> options,
    IEnumerable<IGrpcCallObserver> observers,
    ILogger<GrpcCallHandler> logger)
{
    // Read once: this runs for every call, and the limits are validated at start.
    private readonly int _maxReceiveMessageSize = options.Value.MaxReceiveMessageSize;
    private readonly int _maxSendMessageSize = options.Value.MaxSendMessageSize;
    private readonly IGrpcCallObserver[] _observers = observers.ToArray();

    private static readonly TimeSpan LongestDeadline = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    public async Task HandleAsync(HttpContext http)
    {
        var started = Stopwatch.GetTimestamp();
        var path = http.Request.Path.Value ?? "";
        var code = await HandleCoreAsync(http, path);
        if (_observers.Length == 0) return;
        var elapsed = Stopwatch.GetElapsedTime(started);
        var method = registry.FindUnary(path) is null && registry.FindStreaming(path) is null ? "unknown" : path;
        foreach (var observer in _observers) observer.OnCallCompleted(method, code, elapsed);
    }

    private async Task<GrpcStatusCode> HandleCoreAsync(HttpContext http, string path)
    {
        var request = http.Request;
        if (!HttpProtocol.IsHttp2(request.Protocol))
        {
            http.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            http.Response.Headers.Upgrade = "h2c";
            return GrpcStatusCode.Internal;
        }
        if (!HttpMethods.IsPost(request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return GrpcStatusCode.Unimplemented;
        }
        if (request.ContentType is not { } contentType || !contentType.StartsWith(GrpcHeaders.ContentType, StringComparison.OrdinalIgnoreCase))
        {
            // The protocol says: answer a non-gRPC content type with HTTP 415.
            http.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return GrpcStatusCode.Internal;
        }

        var encoding = request.Headers[GrpcHeaders.Encoding].ToString();
        if (encoding.Length > 0 && encoding != GrpcHeaders.Identity && encoding != GrpcHeaders.Gzip)
        {
            http.Response.Headers[GrpcHeaders.AcceptEncoding] = GrpcHeaders.SupportedEncodings;
            return WriteTrailersOnly(http, GrpcStatusCode.Unimplemented, $"Unsupported grpc-encoding '{encoding}'. Supported: {GrpcHeaders.SupportedEncodings}.");
        }

        if (registry.FindStreaming(path) is { } streaming)
        {
            await streaming(http);
            return GrpcStatusCode.OK;
        }
        if (registry.FindUnary(path) is not { } method)
        {
            var service = path.Split('/', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
            var known = registry.Services.Any(s => s.FullName == service);
            return WriteTrailersOnly(http, GrpcStatusCode.Unimplemented, known ? $"Method is unimplemented: {path}" : $"Service is unimplemented: {service}");
        }

        TimeSpan? timeout = null;
        if (request.Headers.TryGetValue(GrpcHeaders.Timeout, out var timeoutHeader))
        {
            if (!GrpcDeadline.TryParse(timeoutHeader, out var parsed))
                return WriteTrailersOnly(http, GrpcStatusCode.Internal, $"Invalid grpc-timeout '{timeoutHeader}'.");
            // Timers reach about 49 days (CancelAfter throws beyond); a longer deadline is as good as none.
            timeout = parsed <= LongestDeadline ? parsed : null;
        }
        // Only a call with a deadline needs a token source of its own; the others end with the request.
        using var cts = timeout is { } t ? CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted) : null;
        cts?.CancelAfter(timeout!.Value);
        var ct = cts?.Token ?? http.RequestAborted;
        DateTimeOffset? deadline = timeout is { } d ? DateTimeOffset.UtcNow + d : null;
        var deadlineAt = timeout is { } w ? Stopwatch.GetTimestamp() + (long)(w.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;

        try
        {
            var actor = method.AllowAnonymous ? null : await authenticator.AuthenticateAsync(http, ct);
            var payload = await GrpcFraming.ReadSingleMessageAsync(request.BodyReader, _maxReceiveMessageSize, encoding, ct);
            var message = method.RequestParser.ParseFrom(payload);
            var context = new GrpcCallContext(http, actor, deadline, ct);
            var pending = method.Invoke(message, context);
            // A method that ignores its token is still cut off at the deadline or when the client leaves.
            var response = pending.IsCompletedSuccessfully ? pending.Result : await pending.AsTask().WaitAsync(ct);
            // Cached answers come back before the deadline's timer can fire: past the deadline the caller gets no answer.
            if (Stopwatch.GetTimestamp() >= deadlineAt) return DeadlineExceeded(http);
            return WriteResponse(http, response);
        }
        catch (Exception ex) when (http.RequestAborted.IsCancellationRequested)
        {
            LogClientCancelled(path, ex.GetType().Name);
            return GrpcStatusCode.Cancelled;
        }
        catch (Exception ex) when (cts is { IsCancellationRequested: true })
        {
            // Whatever the method threw once its token fired, the caller's deadline is the cause.
            _ = ex;
            return DeadlineExceeded(http);
        }
        catch (Exception ex)
        {
            var (code, text) = GrpcErrorMapping.ToStatus(ex);
            if (code == GrpcStatusCode.Internal && ex is not GrpcStatusException and not InvalidProtocolBufferException)
                LogFailed(ex, path);
            else if (ex is DomainException)
                LogRefused(path, code);
            return WriteTrailersOnly(http, code, text);
        }
    }

    /// <summary>
    /// Serializes straight into the response pipe. No flush here: Kestrel sends the message and the
    /// trailers together when the call returns, one write instead of two.
    /// </summary>
    private GrpcStatusCode WriteResponse(HttpContext http, IMessage response)
    {
        var size = response.CalculateSize();
        if (size > _maxSendMessageSize)
            return WriteTrailersOnly(http, GrpcStatusCode.ResourceExhausted, $"Sending message larger than max ({size} vs. {_maxSendMessageSize}).");
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = GrpcHeaders.ContentType;
        http.Response.Headers[GrpcHeaders.AcceptEncoding] = GrpcHeaders.SupportedEncodings;
        GrpcFraming.WriteFrame(http.Response.BodyWriter, response, size);
        http.Response.AppendTrailer(GrpcHeaders.Status, GrpcHeaders.StatusOk);
        return GrpcStatusCode.OK;
    }

    private static GrpcStatusCode DeadlineExceeded(HttpContext http) => WriteTrailersOnly(http, GrpcStatusCode.DeadlineExceeded, "Deadline exceeded.");

    /// <summary>An error before any message: status and message travel in the response headers alone.</summary>
    internal static GrpcStatusCode WriteTrailersOnly(HttpContext http, GrpcStatusCode code, string message)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = GrpcHeaders.ContentType;
        http.Response.Headers[GrpcHeaders.Status] = ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!string.IsNullOrEmpty(message)) http.Response.Headers[GrpcHeaders.Message] = GrpcMessageEncoding.Encode(message);
        return code;
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "gRPC call {Method} failed")]
    private partial void LogFailed(Exception ex, string method);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "gRPC call {Method} refused with {Code}")]
    private partial void LogRefused(string method, GrpcStatusCode code);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "gRPC call {Method} cancelled by the client ({Kind})")]
    private partial void LogClientCancelled(string method, string kind);
}
