using Microsoft.Extensions.Options;

namespace EtlStudio.Core.Identity;

/// <summary>A first administrator named half-way (issuer without subject, a login instead of an e-mail) must fail at start, not silently grant nothing.</summary>
internal sealed class IdentityOptionsValidation : IValidateOptions<IdentityOptions>
{
    public ValidateOptionsResult Validate(string? name, IdentityOptions o)
    {
        var problems = new List<string>();
        if (!string.IsNullOrWhiteSpace(o.FirstAdmin) && !o.FirstAdmin.Contains('@'))
            problems.Add("Auth:FirstAdmin (environment Auth__FirstAdmin) must be an e-mail address, honoured only when the provider marks it verified; " +
                         "to name an account, set Auth:FirstAdminIssuer and Auth:FirstAdminSubject instead.");
        if (string.IsNullOrWhiteSpace(o.FirstAdminIssuer) != string.IsNullOrWhiteSpace(o.FirstAdminSubject))
            problems.Add(string.IsNullOrWhiteSpace(o.FirstAdminIssuer)
                ? "Auth:FirstAdminSubject is set but Auth:FirstAdminIssuer is not (environment Auth__FirstAdminIssuer); an account is named by both."
                : "Auth:FirstAdminIssuer is set but Auth:FirstAdminSubject is not (environment Auth__FirstAdminSubject); an account is named by both.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
