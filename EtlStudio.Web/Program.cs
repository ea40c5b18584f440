using EtlStudio.Web.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddEtlStudioWeb();

var app = builder.Build();
if (args is [AuditVerifyCommand.Name, ..]) return await AuditVerifyCommand.RunAsync(app);
if (args is [MigrateCommand.Name, ..]) return await MigrateCommand.RunAsync(app);
app.ValidateKeysOutsideDatabase();
await app.PrepareDatabaseAsync();
app.UseEtlStudioWeb();
await app.RunAsync();
return 0;

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program { }
