using EtlStudio.Core.Audit;

namespace EtlStudio.Web.Hosting;

/// <summary>
/// <c>dotnet EtlStudio.Web.dll verify-audit</c>: recomputes the audit chain and exits 0 when it is
/// intact, 1 when an entry was altered or removed or the chain re-sealed without Audit:ChainKey (naming the first
/// such entry), 2 when it cannot check (no database, or no key).
/// </summary>
public static class AuditVerifyCommand
{
    public const string Name = "verify-audit";

    public static async Task<int> RunAsync(WebApplication app)
    {
        try
        {
            var result = await app.Services.GetRequiredService<AuditVerifier>().VerifyAsync();
            var keyed = result.KeyedFrom > 1 ? $" (entries before {result.KeyedFrom} predate the chain key and are sealed by the plain digest)" : "";
            Console.WriteLine(result.IsIntact
                ? $"Audit trail intact: {result.EntriesChecked} entries checked{keyed}."
                : $"Audit trail BROKEN at entry {result.FirstBrokenId}: {result.Problem} ({result.EntriesChecked} entries read).");
            return result.IsIntact ? 0 : 1;
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            Console.Error.WriteLine($"Could not read the audit trail: {ex.Message}");
            return 2;
        }
    }
}
