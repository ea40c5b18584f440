using EtlStudio.Web.Auth;
using EtlStudio.Web.Auth.Tokens;
using Microsoft.AspNetCore.Authentication;

namespace EtlStudio.Tests.Grpc;

/// <summary>
/// A caller JwtBearer found valid is trusted again without a new check for at most a minute and never past its token's
/// expiry; a changed token is a different token; the memory stays bounded. (Refused, tampered and expired tokens over a
/// real client: GrpcClientTests.)
/// </summary>
public sealed class GrpcCallersTests
{
    private readonly ManualTime _time = new(DateTimeOffset.UtcNow);
    private readonly Guid _user = Guid.NewGuid();

    private AuthenticationTicket Caller(TimeSpan? lifetime) =>
        new(EtlClaims.Create(_user, "alice", "alice", "test"), new AuthenticationProperties { ExpiresUtc = _time.GetUtcNow() + lifetime }, "GrpcBearer");

    [Fact]
    public void A_caller_is_remembered_until_a_minute_has_passed_then_the_token_must_be_checked_anew()
    {
        var callers = new GrpcCallers(_time);
        var caller = Caller(TimeSpan.FromHours(1));
        callers.Remember("token", caller, _user);
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.True(callers.TryGet("token", out var known, out var user));
        Assert.Same(caller, known);
        Assert.Equal(_user, user);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(callers.TryGet("token", out _, out _));
    }

    [Fact]
    public void A_caller_is_forgotten_from_its_tokens_expiry()
    {
        var callers = new GrpcCallers(_time);
        callers.Remember("token", Caller(TimeSpan.FromSeconds(10)), _user);
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.True(callers.TryGet("token", out _, out _));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(callers.TryGet("token", out _, out _));
    }

    [Fact]
    public void A_changed_copy_of_a_remembered_token_is_not_its_caller()
    {
        var callers = new GrpcCallers(_time);
        callers.Remember("header.payload.signature", Caller(TimeSpan.FromHours(1)), _user);
        Assert.False(callers.TryGet("header.payload.signaturf", out _, out _));
        Assert.False(callers.TryGet("header.payload.signature ", out _, out _));
    }

    [Fact]
    public void Past_the_bound_the_expired_go_first_then_everything()
    {
        var callers = new GrpcCallers(_time);
        for (var i = 0; i < GrpcCallers.MaxTokens / 2; i++) callers.Remember($"short{i}", Caller(TimeSpan.FromSeconds(1)), _user);
        for (var i = 0; i < GrpcCallers.MaxTokens / 2; i++) callers.Remember($"long{i}", Caller(TimeSpan.FromHours(1)), _user);
        _time.Advance(TimeSpan.FromSeconds(2));
        callers.Remember("next", Caller(TimeSpan.FromHours(1)), _user);
        Assert.Equal(GrpcCallers.MaxTokens / 2 + 1, callers.Count);
        Assert.True(callers.TryGet("long0", out _, out _));
        for (var i = callers.Count; i < GrpcCallers.MaxTokens; i++) callers.Remember($"more{i}", Caller(TimeSpan.FromHours(1)), _user);
        callers.Remember("last", Caller(TimeSpan.FromHours(1)), _user);
        Assert.Equal(1, callers.Count);
        Assert.True(callers.TryGet("last", out _, out _));
    }
}
