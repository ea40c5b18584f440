using EtlStudio.Core.Demo;
using EtlStudio.Core.Persistence;
using Microsoft.Extensions.Options;

namespace EtlStudio.Web.Hosting;

/// <summary>Before serving: apply migrations (under an advisory lock, so nodes may start together) and seed the demo if asked.</summary>
public static class DatabaseStartup
{
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync();
        if (app.Services.GetRequiredService<IOptions<DemoOptions>>().Value.Seed)
            await app.Services.GetRequiredService<DemoSeeder>().SeedAsync();
    }
}
