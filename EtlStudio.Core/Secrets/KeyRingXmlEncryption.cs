using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;

namespace EtlStudio.Core.Secrets;

/// <summary>Seals each new Data Protection key under <see cref="KeyRingProtection"/> before it is stored.</summary>
internal sealed class KeyRingXmlEncryptor(KeyRingProtection protection) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement) => new(protection.Seal(plaintextElement), typeof(KeyRingXmlDecryptor));
}

/// <summary>Opens a key sealed by <see cref="KeyRingXmlEncryptor"/>; Data Protection activates it by type with the service provider.</summary>
internal sealed class KeyRingXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement) => services.GetRequiredService<KeyRingProtection>().Open(encryptedElement);
}
