using EtlStudio.Core.Audit;
using EtlStudio.Core.Demo;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Secrets;
using Microsoft.Extensions.Options;

namespace EtlStudio.Web.Hosting;

/// <summary>
/// Before serving: apply migrations (under an advisory lock, so nodes may start together), seal the key ring under
/// the current protection key, and seed the demo if asked.
/// </summary>
public static class DatabaseStartup
{
    /// <summary>A serving node needs both keys that live outside the database; it says so at start, not at the first change.</summary>
    public static void ValidateKeysOutsideDatabase(this WebApplication app)
    {
        app.Services.GetRequiredService<AuditChainKey>().Validate();
        app.Services.GetRequiredService<KeyRingProtection>().Validate();
    }

    /// <returns>How many migrations were applied.</returns>
    public static async Task<int> PrepareDatabaseAsync(this WebApplication app)
    {
        var applied = await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync();
        // The migration Job may run without the protection key; the nodes, which have it, re-seal the ring when they start.
        if (!string.IsNullOrWhiteSpace(app.Configuration[KeyRingProtection.Setting]))
            await app.Services.GetRequiredService<KeyRingRewrap>().RewrapAsync();
        if (app.Services.GetRequiredService<IOptions<DemoOptions>>().Value.Seed)
            await app.Services.GetRequiredService<DemoSeeder>().SeedAsync();
        return applied;
    }
}
