using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace EtlStudio.Core.Audit;

/// <summary>
/// The key that seals the audit chain (Audit:ChainKey, base64, at least 32 bytes), given by configuration and never
/// stored in the database: whoever can rewrite the database but lacks the key cannot re-seal an edited chain.
/// Entries from <c>app.audit_keying.keyed_from</c> on carry HMAC-SHA256(key, previous hash || canonical text); the
/// start of the keyed chain is sealed the same way, so it cannot be moved past forged entries either.
/// </summary>
public sealed class AuditChainKey(IConfiguration configuration)
{
    public const string Setting = "Audit:ChainKey";
    private readonly Lazy<byte[]> _key = new(() => Read(configuration[Setting]));

    /// <summary>Whether a key is configured (the verifier says it cannot check without one).</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(configuration[Setting]);

    public byte[] Seal(byte[] previousHash, string canonicalText)
    {
        var text = Encoding.UTF8.GetBytes(canonicalText);
        var data = new byte[previousHash.Length + text.Length];
        previousHash.CopyTo(data, 0);
        text.CopyTo(data, previousHash.Length);
        return HMACSHA256.HashData(_key.Value, data);
    }

    public byte[] SealStart(long keyedFrom) => HMACSHA256.HashData(_key.Value, Encoding.UTF8.GetBytes($"etlstudio-audit-keyed-from:{keyedFrom}"));

    /// <summary>Throws the configuration error now rather than at the first change.</summary>
    public void Validate() => _ = _key.Value;

    private static byte[] Read(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new OptionsValidationException(Setting, typeof(string),
                [$"{Setting} is not set: give a random key of at least 32 bytes, base64 (env Audit__ChainKey; run.sh makes one for the demo). It seals the audit trail and must not be stored in the database."]);
        try
        {
            var key = Convert.FromBase64String(value);
            if (key.Length >= 32) return key;
        }
        catch (FormatException) { }
        throw new OptionsValidationException(Setting, typeof(string), [$"{Setting} must be at least 32 bytes, base64 (for example: openssl rand -base64 32)."]);
    }
}
