using EtlStudio.Web.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddEtlStudioWeb();

var app = builder.Build();
await app.PrepareDatabaseAsync();
app.UseEtlStudioWeb();
app.Run();

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program { }
