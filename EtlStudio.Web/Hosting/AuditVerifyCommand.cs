using EtlStudio.Core.Audit;

namespace EtlStudio.Web.Hosting;

/// <summary>
/// <c>dotnet EtlStudio.Web.dll verify-audit</c>: recomputes the audit chain and exits 0 when it is
/// intact, 1 when an entry was altered or removed (naming the first one), 2 when it cannot check.
/// </summary>
public static class AuditVerifyCommand
{
    public const string Name = "verify-audit";

    public static async Task<int> RunAsync(WebApplication app)
    {
        try
        {
            var result = await app.Services.GetRequiredService<AuditVerifier>().VerifyAsync();
            Console.WriteLine(result.IsIntact
                ? $"Audit trail intact: {result.EntriesChecked} entries checked."
                : $"Audit trail BROKEN at entry {result.FirstBrokenId}: {result.Problem} ({result.EntriesChecked} entries read).");
            return result.IsIntact ? 0 : 1;
        }
        catch (Npgsql.NpgsqlException ex)
        {
            Console.Error.WriteLine($"Could not read the audit trail: {ex.Message}");
            return 2;
        }
    }
}
