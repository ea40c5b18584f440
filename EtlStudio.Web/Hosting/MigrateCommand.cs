namespace EtlStudio.Web.Hosting;

/// <summary>
/// <c>dotnet EtlStudio.Web.dll migrate</c>: applies the pending migrations (and seeds the demo when
/// <c>Demo:Seed</c> is set), then exits 0, without serving. A deployment runs it once, as the owner
/// role, before the nodes roll (deploy/k8s/base/migrate-job.yaml); exits 1 when the database refuses.
/// </summary>
public static class MigrateCommand
{
    public const string Name = "migrate";

    public static async Task<int> RunAsync(WebApplication app)
    {
        try
        {
            var applied = await app.PrepareDatabaseAsync();
            Console.WriteLine(applied == 0
                ? "Database up to date: no migration to apply."
                : $"Database migrated: {applied} migrations applied.");
            return 0;
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            // An unreachable server, refused credentials, the runtime role's credentials, an applied migration that was
            // edited, or a demo seed without the keys it needs.
            Console.Error.WriteLine($"Could not migrate the database: {ex.Message}");
            return 1;
        }
    }
}
