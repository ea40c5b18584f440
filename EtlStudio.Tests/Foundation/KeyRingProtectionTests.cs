using System.Diagnostics;
using System.Security.Cryptography;
using EtlStudio.Core;
using EtlStudio.Core.Common;
using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Secrets;
using EtlStudio.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EtlStudio.Tests.Foundation;

/// <summary>
/// The Data Protection key ring is sealed under DataProtection:ProtectionKey, which the database never holds: a
/// whole-database dump restored elsewhere opens no connection secret without that key, and opens them with it. The
/// key can be rotated: nodes given the new key and the previous one re-seal the ring, after which the old key opens
/// nothing and the new one alone opens everything.
/// </summary>
public sealed class KeyRingProtectionTests(CoreServices core) : IClassFixture<CoreServices>
{
    private const string Password = "Dump-Pr00f-Passw0rd-5521";
    private static readonly Guid LegacyKeyId = new("6f3c9a6e-0000-4000-8000-000000000001");

    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>A node's application layer with nothing shared with any other (its own key ring cache), over <paramref name="connectionString"/>.</summary>
    private static ServiceProvider Node(string connectionString, string? protectionKey, string? previousKeys = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Default"] = connectionString,
            [AuditChainKey()] = TestDatabase.AuditChainKey,
            [KeyRingProtection.Setting] = protectionKey,
            [KeyRingProtection.PreviousSetting] = previousKeys,
        }).Build();
        var services = new ServiceCollection().AddLogging(b => b.SetMinimumLevel(LogLevel.Critical)).AddSingleton<IConfiguration>(configuration);
        services.AddEtlStudioCore(configuration);
        return services.BuildServiceProvider();
    }

    private static string AuditChainKey() => Core.Audit.AuditChainKey.Setting;

    private static async Task<string> SecretAsync(ServiceProvider node, Guid connection) =>
        (await node.GetRequiredService<ConnectionService>().GetSecretAsync(connection)).Value;

    private async Task<Guid> CreateConnectionAsync(ServiceProvider node)
    {
        var creator = await core.CreateAsync("keyring", UserRole.CreateExtDatamodule);
        return await node.GetRequiredService<ConnectionService>().CreateAsync(creator, new ConnectionInput($"dw-{Guid.NewGuid():N}",
            ConnectionKind.PostgreSql, "", "{}", $"Host=db.internal;Database=dw;Username=etl;Password={Password}", null));
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string file, IEnumerable<string> args, string connectionString)
    {
        var cs = new NpgsqlConnectionStringBuilder(connectionString);
        var psi = new ProcessStartInfo(file, ["-h", cs.Host!, "-p", cs.Port.ToString(), "-U", cs.Username!, .. args, cs.Database!])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.Environment["PGPASSWORD"] = cs.Password;
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    private static string Tool(string name) =>
        File.Exists($"/usr/lib/postgresql/15/bin/{name}") ? $"/usr/lib/postgresql/15/bin/{name}" : name;

    [Fact]
    public async Task A_dump_of_the_whole_database_opens_no_secret_without_the_protection_key_and_all_with_it()
    {
        Guid connection;
        await using (var node = Node(core.ConnectionString, TestDatabase.ProtectionKey))
            connection = await CreateConnectionAsync(node);

        // The whole database, as a backup holds it.
        var (dumped, dump, dumpError) = await RunAsync(Tool("pg_dump"), ["--no-owner", "--no-privileges"], core.OwnerConnectionString);
        Assert.True(dumped == 0, dumpError);
        Assert.Contains("data_protection_keys", dump);
        Assert.Contains("protectedKey", dump);
        Assert.DoesNotContain("in an unencrypted form", dump);
        Assert.DoesNotContain(Password, dump);

        await using var restored = new TestDatabase();
        await restored.InitializeAsync();
        var file = Path.Combine(Path.GetTempPath(), $"{restored.Name}.sql");
        await File.WriteAllTextAsync(file, dump);
        try
        {
            var (loaded, _, loadError) = await RunAsync(Tool("psql"), ["-q", "-v", "ON_ERROR_STOP=1", "-f", file], restored.ConnectionString);
            Assert.True(loaded == 0, loadError);
        }
        finally
        {
            File.Delete(file);
        }

        await using (var thief = Node(restored.ConnectionString, protectionKey: null))
        {
            var refused = await Assert.ThrowsAsync<DomainException>(() => SecretAsync(thief, connection));
            Assert.Contains("cannot be decrypted", refused.Message);
        }
        await using (var guesser = Node(restored.ConnectionString, NewKey()))
            await Assert.ThrowsAsync<DomainException>(() => SecretAsync(guesser, connection));
        await using (var owner = Node(restored.ConnectionString, TestDatabase.ProtectionKey))
            Assert.EndsWith(Password, await SecretAsync(owner, connection));
    }

    [Fact]
    public async Task Rotating_the_protection_key_re_seals_the_ring_so_the_new_key_alone_opens_it_and_the_old_one_nothing()
    {
        var oldKey = NewKey();
        var newKey = NewKey();
        await using var database = new TestDatabase();
        await database.InitializeAsync();
        await using (var migrate = Node(database.ConnectionString, oldKey))
            await migrate.GetRequiredService<Core.Persistence.DatabaseMigrator>().MigrateAsync();
        Guid connection;
        await using (var before = Node(database.ConnectionString, oldKey))
        {
            var creator = await TestUsers.CreateAsync(before, "rotation", UserRole.CreateExtDatamodule);
            connection = await before.GetRequiredService<ConnectionService>().CreateAsync(creator, new ConnectionInput("dw",
                ConnectionKind.PostgreSql, "", "{}", $"Host=db.internal;Database=dw;Username=etl;Password={Password}", null));
        }

        // Step 1 (README): the nodes start with the new key and the previous one; each re-seals what is not under the new key.
        await using (var rolling = Node(database.ConnectionString, newKey, previousKeys: oldKey))
        {
            Assert.True(await rolling.GetRequiredService<KeyRingRewrap>().RewrapAsync() > 0);
            Assert.Equal(0, await rolling.GetRequiredService<KeyRingRewrap>().RewrapAsync());
            Assert.EndsWith(Password, await SecretAsync(rolling, connection));
        }
        // Step 2: the previous key is dropped from the configuration; the new one alone opens the ring, the old one nothing.
        await using (var after = Node(database.ConnectionString, newKey))
            Assert.EndsWith(Password, await SecretAsync(after, connection));
        await using (var old = Node(database.ConnectionString, oldKey))
            await Assert.ThrowsAsync<DomainException>(() => SecretAsync(old, connection));
    }

    [Fact]
    public async Task A_ring_stored_unprotected_before_this_version_is_sealed_when_a_node_starts()
    {
        await using var node = Node(core.ConnectionString, TestDatabase.ProtectionKey);
        var connection = await CreateConnectionAsync(node);
        // What an older node left: the key element as Data Protection writes it without an encryptor.
        await using (var conn = new NpgsqlConnection(core.OwnerConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("""
                INSERT INTO app.data_protection_keys (friendly_name, xml) VALUES ('key-legacy',
                  '<key id="6f3c9a6e-0000-4000-8000-000000000001" version="1"><creationDate>2024-01-01T00:00:00Z</creationDate><activationDate>2024-01-01T00:00:00Z</activationDate><expirationDate>2024-03-31T00:00:00Z</expirationDate><descriptor deserializerType="Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel.AuthenticatedEncryptorDescriptorDeserializer, Microsoft.AspNetCore.DataProtection"><descriptor><encryption algorithm="AES_256_CBC" /><validation algorithm="HMACSHA256" /><masterKey p4:requiresEncryption="true" xmlns:p4="http://schemas.asp.net/2015/03/dataProtection"><!-- Warning: the key below is in an unencrypted form. --><value>AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==</value></masterKey></descriptor></descriptor></key>')
                """, conn);
            await cmd.ExecuteNonQueryAsync();
        }

        Assert.Equal(1, await node.GetRequiredService<KeyRingRewrap>().RewrapAsync());

        await using var check = new NpgsqlConnection(core.OwnerConnectionString);
        await check.OpenAsync();
        await using var left = new NpgsqlCommand("SELECT count(*) FROM app.data_protection_keys WHERE xml LIKE '%unencrypted%' OR xml NOT LIKE '%protectedKey%'", check);
        Assert.Equal(0L, (long)(await left.ExecuteScalarAsync())!);
        // Sealed so that Data Protection still opens it (with the key) — the secrets it encrypted stay readable.
        await using var fresh = Node(core.ConnectionString, TestDatabase.ProtectionKey);
        var legacy = fresh.GetRequiredService<IKeyManager>().GetAllKeys().Single(k => k.KeyId == LegacyKeyId);
        Assert.IsType<AuthenticatedEncryptorDescriptor>(legacy.Descriptor);
        Assert.EndsWith(Password, await SecretAsync(fresh, connection));
        await using var thief = Node(core.ConnectionString, protectionKey: null);
        var sealedKey = thief.GetRequiredService<IKeyManager>().GetAllKeys().Single(k => k.KeyId == LegacyKeyId);
        Assert.ThrowsAny<Exception>(() => sealedKey.Descriptor);
    }
}
