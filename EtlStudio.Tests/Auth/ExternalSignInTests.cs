using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
using EtlStudio.Core.Persistence;
using EtlStudio.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EtlStudio.Tests.Auth;

/// <summary>Core's side of single sign-on: accounts keyed by issuer and subject, profiles kept current, the first administrator.</summary>
public sealed class ExternalSignInTests(ExternalSignInTests.Core core) : IClassFixture<ExternalSignInTests.Core>
{
    public sealed class Core : CoreServices
    {
        protected override void Configure(IServiceCollection services) => services.Configure<IdentityOptions>(o =>
        {
            o.FirstAdmin = "boss@example.org";
            o.FirstAdminIssuer = "https://idp.example";
            o.FirstAdminSubject = "root-subject";
        });
    }

    private UserService Users => core.Get<UserService>();

    private async Task<User> ReadAsync(Guid id)
    {
        await using var db = await core.Get<IDbContextFactory<EtlStudioDbContext>>().CreateDbContextAsync();
        return await db.Users.Include(u => u.Roles).SingleAsync(u => u.Id == id);
    }

    private static string Subject() => "opaque-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_verified_first_admin_email_is_made_administrator()
    {
        var user = await Users.SignInExternalAsync(new ExternalAccount("https://idp.example", Subject(), "boss", "boss@example.org", EmailVerified: true, "The Boss"), ActorSource.Ui);
        Assert.Contains((await ReadAsync(user.Id)).Roles, r => r.Role == UserRole.Admin);
    }

    [Fact]
    public async Task The_first_admin_email_unverified_grants_nothing()
    {
        var user = await Users.SignInExternalAsync(new ExternalAccount("https://other.example", Subject(), "imposter", "BOSS@example.org", EmailVerified: false), ActorSource.Ui);
        Assert.Empty((await ReadAsync(user.Id)).Roles);
    }

    [Fact]
    public async Task The_first_admin_is_named_by_issuer_and_subject_and_a_login_alone_grants_nothing()
    {
        var named = await Users.SignInExternalAsync(new ExternalAccount("https://idp.example", "root-subject", "root"), ActorSource.Ui);
        Assert.Contains((await ReadAsync(named.Id)).Roles, r => r.Role == UserRole.Admin);
        // The same subject at another issuer is another account.
        var elsewhere = await Users.SignInExternalAsync(new ExternalAccount("https://evil.example", "root-subject", "root-subject"), ActorSource.Ui);
        Assert.NotEqual(named.Id, elsewhere.Id);
        Assert.Empty((await ReadAsync(elsewhere.Id)).Roles);
        // Picking the first admin's address as a username is not the address.
        var picked = await Users.SignInExternalAsync(new ExternalAccount("https://idp.example", Subject(), "boss@example.org"), ActorSource.Ui);
        Assert.Empty((await ReadAsync(picked.Id)).Roles);
    }

    [Fact]
    public async Task The_login_is_readable_and_the_profile_follows_the_provider_on_every_sign_in()
    {
        var subject = Subject();
        var first = await Users.SignInExternalAsync(new ExternalAccount("https://idp.example", subject, null, "nina@example.org", true, "Nina"), ActorSource.Ui);
        Assert.Equal("nina@example.org", first.Login); // no preferred username: the e-mail, not the opaque subject
        Assert.Equal("Nina", first.DisplayName);

        var again = await Users.SignInExternalAsync(new ExternalAccount("https://idp.example", subject, "nina.k", "nina.k@example.org", true, "Nina K."), ActorSource.Ui);
        Assert.Equal(first.Id, again.Id);
        var stored = await ReadAsync(first.Id);
        Assert.Equal(("nina.k", "Nina K.", "nina.k@example.org"), (stored.Login, stored.DisplayName, stored.Email));

        // A token without profile (a gRPC call) leaves the profile as the last sign-in left it.
        await Users.SignInExternalAsync(new ExternalAccount("https://idp.example", subject), ActorSource.Grpc);
        stored = await ReadAsync(first.Id);
        Assert.Equal(("nina.k", "Nina K.", "nina.k@example.org"), (stored.Login, stored.DisplayName, stored.Email));
    }

    [Fact]
    public async Task A_username_with_odd_characters_becomes_a_valid_login_and_a_taken_one_gets_a_number()
    {
        var a = await Users.SignInExternalAsync(new ExternalAccount("https://idp.example", Subject(), "Zoë Smith\u0007"), ActorSource.Ui);
        Assert.Equal("Zoë_Smith_", a.Login);
        var b = await Users.SignInExternalAsync(new ExternalAccount("https://idp.example", Subject(), "Zoë Smith\u0007"), ActorSource.Ui);
        Assert.Equal("Zoë_Smith_2", b.Login);
    }
}
