using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace EtlStudio.Core.Secrets;

/// <summary>
/// The key that protects the Data Protection key ring at rest (DataProtection:ProtectionKey, base64, at least 32
/// bytes), given by configuration and never stored in the database, so a dump of the database opens no secret.
/// Key elements are sealed with AES-256-GCM under a key derived from it and carry its id; keys it replaced
/// (DataProtection:PreviousProtectionKeys, comma-separated) still open the elements sealed under them until
/// <see cref="KeyRingRewrap"/> has sealed those again under the current one (README, "Rotating the protection key").
/// </summary>
public sealed class KeyRingProtection
{
    public const string Setting = "DataProtection:ProtectionKey";
    public const string PreviousSetting = "DataProtection:PreviousProtectionKeys";
    private const int NonceSize = 12, TagSize = 16;

    private readonly Lazy<(string Id, byte[] Key)> _current;
    private readonly Lazy<Dictionary<string, byte[]>> _all;

    public KeyRingProtection(IConfiguration configuration)
    {
        _current = new(() => Derive(configuration[Setting] is { Length: > 0 } v ? v
            : throw new OptionsValidationException(Setting, typeof(string),
                [$"{Setting} is not set: give a random key of at least 32 bytes, base64 (env DataProtection__ProtectionKey; run.sh makes one for the demo). It protects the key ring that encrypts connection secrets and must not be stored in the database."])));
        _all = new(() =>
        {
            var keys = new Dictionary<string, byte[]>();
            foreach (var previous in (configuration[PreviousSetting] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var (id, key) = Derive(previous);
                keys[id] = key;
            }
            if (!string.IsNullOrWhiteSpace(configuration[Setting])) keys[_current.Value.Id] = _current.Value.Key;
            return keys;
        });
    }

    /// <summary>The id of the current key, which every element sealed under it names.</summary>
    public string CurrentId => _current.Value.Id;

    /// <summary>Throws the configuration error now rather than at the first secret.</summary>
    public void Validate() => _ = _current.Value;

    public XElement Seal(XElement plaintext)
    {
        var (id, key) = _current.Value;
        var data = Encoding.UTF8.GetBytes(plaintext.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        var cipher = new byte[data.Length];
        var tag = new byte[TagSize];
        using (var aes = new AesGcm(key, TagSize)) aes.Encrypt(nonce, data, cipher, tag, Encoding.UTF8.GetBytes(id));
        return new XElement("protectedKey", new XAttribute("keyId", id),
            new XElement("nonce", Convert.ToBase64String(nonce)),
            new XElement("tag", Convert.ToBase64String(tag)),
            new XElement("value", Convert.ToBase64String(cipher)));
    }

    public XElement Open(XElement sealedElement)
    {
        var id = (string?)sealedElement.Attribute("keyId") ?? throw new CryptographicException("The key ring element names no protection key.");
        if (!_all.Value.TryGetValue(id, out var key))
            throw new CryptographicException($"The key ring element is sealed with protection key {id}, which this process was not given ({Setting}, {PreviousSetting}).");
        var nonce = Convert.FromBase64String((string)sealedElement.Element("nonce")!);
        var tag = Convert.FromBase64String((string)sealedElement.Element("tag")!);
        var cipher = Convert.FromBase64String((string)sealedElement.Element("value")!);
        var data = new byte[cipher.Length];
        using (var aes = new AesGcm(key, TagSize)) aes.Decrypt(nonce, cipher, tag, data, Encoding.UTF8.GetBytes(id));
        return XElement.Parse(Encoding.UTF8.GetString(data));
    }

    /// <summary>The AES key (HKDF of the configured one) and its id (a digest of it, which tells nothing of it).</summary>
    private static (string Id, byte[] Key) Derive(string value)
    {
        byte[] given;
        try
        {
            given = Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            throw new OptionsValidationException(Setting, typeof(string), [$"{Setting} must be base64 (for example: openssl rand -base64 32)."]);
        }
        if (given.Length < 32)
            throw new OptionsValidationException(Setting, typeof(string), [$"{Setting} must be at least 32 bytes, base64 (for example: openssl rand -base64 32)."]);
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, given, 32, info: Encoding.UTF8.GetBytes("etlstudio-keyring-protection"));
        return (Convert.ToHexString(SHA256.HashData(key))[..16].ToLowerInvariant(), key);
    }
}
