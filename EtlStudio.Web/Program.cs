var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/", () => "EtlStudio");
app.Run();
public partial class Program { }
