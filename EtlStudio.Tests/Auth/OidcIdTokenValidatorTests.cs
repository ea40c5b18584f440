using System.Security.Cryptography;
using EtlStudio.Web.Auth.Oidc;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EtlStudio.Tests.Auth;

/// <summary>
/// The id_token check on tokens we sign ourselves: one good token is accepted, and each way a
/// token can be wrong (issuer, audience, nonce, lifetime, signature, subject) is refused.
/// </summary>
public sealed class OidcIdTokenValidatorTests
{
    private const string Issuer = "http://127.0.0.1:4000";
    private const string ClientId = "etlstudio";
    private const string Nonce = "nonce-from-the-sign-in-cookie";

    private static readonly RsaSecurityKey ProviderKey = new(RSA.Create(2048)) { KeyId = "provider-key" };

    private static Task<IdTokenValidationResult> ValidateAsync(string? token) =>
        OidcIdTokenValidator.ValidateAsync(token, Issuer, [ProviderKey], ClientId, Nonce, TimeSpan.Zero);

    private static string Sign(Action<SecurityTokenDescriptor>? change = null, SecurityKey? key = null)
    {
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = ClientId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = "erin", ["nonce"] = Nonce, ["preferred_username"] = "erin", ["name"] = "Erin Provider", ["email"] = "erin@example.org",
            },
            SigningCredentials = new SigningCredentials(key ?? ProviderKey, SecurityAlgorithms.RsaSha256),
        };
        change?.Invoke(descriptor);
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    [Fact]
    public async Task A_token_signed_by_the_provider_for_us_with_our_nonce_is_accepted()
    {
        var result = await ValidateAsync(Sign());
        Assert.Null(result.Refusal);
        Assert.Equal(new ValidatedIdToken("erin", "erin", "Erin Provider", "erin@example.org"), result.Token);
    }

    [Fact]
    public async Task A_token_from_another_issuer_is_refused() =>
        AssertRefused(await ValidateAsync(Sign(d => d.Issuer = "http://127.0.0.1:4001")), "Issuer");

    [Fact]
    public async Task A_token_for_another_client_is_refused() =>
        AssertRefused(await ValidateAsync(Sign(d => d.Audience = "another-client")), "Audience");

    [Fact]
    public async Task A_token_with_another_nonce_is_refused() =>
        AssertRefused(await ValidateAsync(Sign(d => d.Claims["nonce"] = "nonce-of-another-sign-in")), "nonce");

    [Fact]
    public async Task A_token_without_a_nonce_is_refused() =>
        AssertRefused(await ValidateAsync(Sign(d => d.Claims.Remove("nonce"))), "nonce");

    [Fact]
    public async Task An_expired_token_is_refused() =>
        AssertRefused(await ValidateAsync(Sign(d =>
        {
            d.IssuedAt = d.NotBefore = DateTime.UtcNow.AddMinutes(-10);
            d.Expires = DateTime.UtcNow.AddMinutes(-1);
        })), "Expired");

    [Fact]
    public async Task A_token_signed_by_another_key_with_the_providers_key_id_is_refused() =>
        AssertRefused(await ValidateAsync(Sign(key: new RsaSecurityKey(RSA.Create(2048)) { KeyId = ProviderKey.KeyId })), "Signature");

    [Fact]
    public async Task An_unsigned_token_is_refused() =>
        AssertRefused(await ValidateAsync(Sign(d => d.SigningCredentials = null)), "id_token invalid");

    [Fact]
    public async Task A_token_with_a_changed_payload_is_refused()
    {
        var parts = Sign().Split('.');
        var payload = Base64UrlEncoder.Decode(parts[1]).Replace("\"sub\":\"erin\"", "\"sub\":\"mallory\"", StringComparison.Ordinal);
        Assert.Contains("mallory", payload);
        AssertRefused(await ValidateAsync($"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}"), "Signature");
    }

    [Fact]
    public async Task A_token_for_several_audiences_naming_another_authorized_party_is_refused() =>
        AssertRefused(await ValidateAsync(Sign(d =>
        {
            d.Audience = null;
            d.Claims["aud"] = new[] { ClientId, "another-client" };
            d.Claims["azp"] = "another-client";
        })), "authorized party");

    [Fact]
    public async Task A_token_without_a_subject_is_refused() =>
        AssertRefused(await ValidateAsync(Sign(d => d.Claims.Remove("sub"))), "subject");

    [Fact]
    public async Task No_token_at_all_is_refused() =>
        AssertRefused(await ValidateAsync(null), "no id_token");

    private static void AssertRefused(IdTokenValidationResult result, string reason)
    {
        Assert.Null(result.Token);
        Assert.Contains(reason, result.Refusal, StringComparison.OrdinalIgnoreCase);
    }
}
