using System.Security.Cryptography;
using EtlStudio.Core.Common;
using Microsoft.AspNetCore.DataProtection;

namespace EtlStudio.Core.Secrets;

/// <summary>Encrypts connection details at rest. Only the pipeline and the connection test ever decrypt them.</summary>
public sealed class SecretProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("EtlStudio.ConnectionSecrets.v1");

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string cipher)
    {
        try
        {
            return _protector.Unprotect(cipher);
        }
        catch (CryptographicException)
        {
            // The key ring lost the key (for example a database restored without app.data_protection_keys).
            throw DomainException.Precondition("The stored connection details cannot be decrypted; enter them again.");
        }
    }
}
