using EtlStudio.Web.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddEtlStudioWeb();

var app = builder.Build();
if (args is [AuditVerifyCommand.Name, ..]) return await AuditVerifyCommand.RunAsync(app);
if (args is [MigrateCommand.Name, ..]) return await MigrateCommand.RunAsync(app);
try
{
    app.ValidateKeysOutsideDatabase();
    await app.PrepareDatabaseAsync();
}
catch (Exception ex) when (ex is InvalidOperationException or Microsoft.Extensions.Options.OptionsValidationException)
{
    // A key missing, or migrations pending that this node's role may not apply: say what to do, not a stack trace.
    Console.Error.WriteLine($"EtlStudio cannot start: {ex.Message}");
    return 1;
}
app.UseEtlStudioWeb();
await app.RunAsync();
return 0;

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program { }
