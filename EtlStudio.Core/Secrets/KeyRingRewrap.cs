using System.Xml.Linq;
using Npgsql;

namespace EtlStudio.Core.Secrets;

/// <summary>
/// Seals every element of the stored key ring under the current protection key: the elements Data Protection wrote
/// unencrypted before the ring was protected (databases from before migration 0010), and those sealed under a previous
/// protection key after a rotation. Run by each node before it serves; the update only replaces the text it read, so
/// nodes starting together do it once.
/// </summary>
public sealed class KeyRingRewrap(NpgsqlDataSource dataSource, KeyRingProtection protection)
{
    // How Data Protection marks what must be encrypted, and wraps what an encryptor sealed.
    private static readonly XNamespace DataProtection = "http://schemas.asp.net/2015/03/dataProtection";
    private static readonly XName RequiresEncryption = DataProtection + "requiresEncryption";
    private static readonly XName Placeholder = DataProtection + "encryptedSecret";

    /// <returns>How many stored elements were sealed again.</returns>
    public async Task<int> RewrapAsync(CancellationToken ct = default)
    {
        var rows = new List<(int Id, string Xml)>();
        await using (var cmd = dataSource.CreateCommand("SELECT id, xml FROM app.data_protection_keys ORDER BY id"))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) rows.Add((reader.GetInt32(0), reader.GetString(1)));

        var count = 0;
        foreach (var (id, xml) in rows)
        {
            var element = XElement.Parse(xml);
            if (!Reseal(element)) continue;
            await using var update = dataSource.CreateCommand("UPDATE app.data_protection_keys SET xml = @new WHERE id = @id AND xml = @old");
            update.Parameters.AddWithValue("new", element.ToString(SaveOptions.DisableFormatting));
            update.Parameters.AddWithValue("id", id);
            update.Parameters.AddWithValue("old", xml);
            count += await update.ExecuteNonQueryAsync(ct);
        }
        return count;
    }

    private bool Reseal(XElement root)
    {
        var changed = false;
        var decryptorType = typeof(KeyRingXmlDecryptor).AssemblyQualifiedName!;
        foreach (var plain in root.DescendantsAndSelf().Where(e => (bool?)e.Attribute(RequiresEncryption) == true).ToList())
        {
            plain.ReplaceWith(new XElement(Placeholder, new XAttribute("decryptorType", decryptorType), protection.Seal(new XElement(plain))));
            changed = true;
        }
        foreach (var placeholder in root.Descendants(Placeholder).ToList())
        {
            var sealedElement = placeholder.Elements().Single();
            if (sealedElement.Name != "protectedKey" || (string?)sealedElement.Attribute("keyId") == protection.CurrentId) continue;
            sealedElement.ReplaceWith(protection.Seal(protection.Open(sealedElement)));
            changed = true;
        }
        return changed;
    }
}
