using System.Security.Cryptography;
using EtlStudio.Core.Secrets;
using Npgsql;

namespace EtlStudio.Web.Auth.Tokens;

/// <summary>
/// The key that signs Development tokens: random, created once, kept encrypted in PostgreSQL so a
/// token issued by one node is accepted by every other.
/// </summary>
internal sealed class DevTokenKeyStore(NpgsqlDataSource dataSource, SecretProtector protector)
{
    private const string Name = "dev-token-signing-key";
    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[]? _key;

    public async Task<byte[]> GetAsync(CancellationToken ct)
    {
        if (_key is not null) return _key;
        await _gate.WaitAsync(ct);
        try
        {
            if (_key is not null) return _key;
            await using (var insert = dataSource.CreateCommand("INSERT INTO app.app_secrets (name, cipher) VALUES (@n, @c) ON CONFLICT (name) DO NOTHING"))
            {
                insert.Parameters.AddWithValue("n", Name);
                insert.Parameters.AddWithValue("c", protector.Protect(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));
                await insert.ExecuteNonQueryAsync(ct);
            }
            await using var select = dataSource.CreateCommand("SELECT cipher FROM app.app_secrets WHERE name = @n");
            select.Parameters.AddWithValue("n", Name);
            var cipher = (string)(await select.ExecuteScalarAsync(ct))!;
            return _key = Convert.FromBase64String(protector.Unprotect(cipher));
        }
        finally
        {
            _gate.Release();
        }
    }
}
