using EtlStudio.Core.Common;
using EtlStudio.Core.Identity;
using EtlStudio.Core.Persistence;
using EtlStudio.Tests.Infrastructure;
using EtlStudio.Web.Auth.Tokens;
using EtlStudio.Web.Grpc;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Tests.Grpc;

/// <summary>
/// The cache of validated tokens must never let in what the validator would refuse: an expired
/// token, a tampered one, a user who is no longer active. It keeps hashes, never tokens, and is bounded.
/// </summary>
public sealed class GrpcAuthenticatorTests(TokenServices core) : IClassFixture<TokenServices>
{
    private GrpcAuthenticator Authenticator => core.Get<GrpcAuthenticator>();
    private ValidatedTokenCache Tokens => core.Get<ValidatedTokenCache>();

    private async Task<(Actor User, string Token)> SignedInAsync()
    {
        var user = await core.CreateAsync("tok");
        var (token, _) = await core.Get<DevTokenIssuer>().IssueAsync(user.UserId, user.Login, CancellationToken.None);
        return (user, token);
    }

    private Task<Actor> CallWithAsync(string token)
    {
        var http = new DefaultHttpContext();
        http.Request.Headers.Authorization = "Bearer " + token;
        return Authenticator.AuthenticateAsync(http, CancellationToken.None);
    }

    [Fact]
    public async Task A_token_is_validated_once_then_answered_from_the_cache_as_the_same_user()
    {
        var (user, token) = await SignedInAsync();
        Assert.Null(Tokens.Find(token));

        Assert.Equal(user.UserId, (await CallWithAsync(token)).UserId);

        Assert.Equal(user.UserId, Tokens.Find(token)?.UserId);
        var again = await CallWithAsync(token);
        Assert.Equal((user.UserId, user.Login, ActorSource.Grpc), (again.UserId, again.Login, again.Source));
    }

    [Fact]
    public async Task A_cached_token_is_refused_once_its_lifetime_and_clock_skew_are_over()
    {
        var (_, token) = await SignedInAsync();
        await CallWithAsync(token);
        var notAfter = Tokens.Find(token)!.NotAfter;

        core.Time.Advance(notAfter - core.Time.GetUtcNow() - TimeSpan.FromSeconds(1));
        await CallWithAsync(token); // still inside the tolerated skew
        core.Time.Advance(TimeSpan.FromSeconds(2));

        Assert.Null(Tokens.Find(token));
        var refused = await Assert.ThrowsAsync<DomainException>(() => CallWithAsync(token));
        Assert.Equal(ErrorKind.Unauthenticated, refused.Kind);
    }

    [Fact]
    public async Task A_tampered_copy_of_a_cached_token_is_refused()
    {
        var (_, token) = await SignedInAsync();
        await CallWithAsync(token);
        var tampered = token[..^2] + (token[^2] == 'A' ? "BB" : "AA");

        var refused = await Assert.ThrowsAsync<DomainException>(() => CallWithAsync(tampered));
        Assert.Equal(ErrorKind.Unauthenticated, refused.Kind);
    }

    [Fact]
    public async Task A_deactivated_user_is_refused_on_a_cached_token_when_the_permission_cache_lets_go()
    {
        var (user, token) = await SignedInAsync();
        await CallWithAsync(token);
        await using (var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync())
            await db.Users.Where(u => u.Id == user.UserId).ExecuteUpdateAsync(u => u.SetProperty(x => x.IsActive, false));

        // The permission cache's window ending (10 s, or at once on a change through Core) is what the token cache follows.
        core.Get<AccessPolicy>().Invalidate(user.UserId);

        Assert.NotNull(Tokens.Find(token));
        var refused = await Assert.ThrowsAsync<DomainException>(() => CallWithAsync(token));
        Assert.Equal(ErrorKind.Unauthenticated, refused.Kind);
    }

    [Fact]
    public async Task The_cache_keeps_a_hash_of_the_token_never_the_token()
    {
        var (_, token) = await SignedInAsync();
        await CallWithAsync(token);

        var keys = Tokens.Keys.Select(k => (string)k).ToList();
        Assert.NotEmpty(keys);
        Assert.All(keys, k => Assert.False(token.Contains(k, StringComparison.Ordinal) || k.Contains(token, StringComparison.Ordinal)));
        Assert.All(keys, k => Assert.Equal(44, k.Length)); // base64 of a SHA-256
    }

    [Fact]
    public void The_cache_holds_no_more_than_its_limit()
    {
        using var cache = new ValidatedTokenCache(core.Time);
        var entry = new ValidatedToken(Guid.NewGuid(), "x", core.Time.GetUtcNow().AddHours(1));
        for (var i = 0; i < ValidatedTokenCache.MaxEntries + 100; i++) cache.Add($"token-{i}", entry);

        Assert.InRange(cache.Keys.Count(), 1, ValidatedTokenCache.MaxEntries);
    }
}
