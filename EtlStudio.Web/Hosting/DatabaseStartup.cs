using EtlStudio.Core.Demo;
using EtlStudio.Core.Persistence;
using Microsoft.Extensions.Options;

namespace EtlStudio.Web.Hosting;

/// <summary>Before serving: apply migrations (under an advisory lock, so nodes may start together) and seed the demo if asked.</summary>
public static class DatabaseStartup
{
    /// <returns>How many migrations were applied.</returns>
    public static async Task<int> PrepareDatabaseAsync(this WebApplication app)
    {
        var applied = await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync();
        if (app.Services.GetRequiredService<IOptions<DemoOptions>>().Value.Seed)
            await app.Services.GetRequiredService<DemoSeeder>().SeedAsync();
        return applied;
    }
}
