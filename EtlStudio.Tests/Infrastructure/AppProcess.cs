using System.Diagnostics;
using System.Text;

namespace EtlStudio.Tests.Infrastructure;

/// <summary>
/// The real EtlStudio web app as its own process, on free ports, over a fresh database with the
/// demo seeded — what a user or a gRPC client meets. Use as an xunit class fixture.
/// </summary>
public class AppProcess : IAsyncLifetime
{
    private readonly TestDatabase _database = new();
    private readonly StringBuilder _log = new();
    private Process? _process;

    public int HttpPort { get; } = FreePort.Next();
    public int GrpcPort { get; } = FreePort.Next();
    public string BaseUrl => $"http://127.0.0.1:{HttpPort}";
    public string GrpcTarget => $"127.0.0.1:{GrpcPort}";
    /// <summary>The app's database as the app sees it: the runtime role.</summary>
    public string DatabaseConnectionString => _database.RuntimeConnectionString;
    /// <summary>The app's database as its owner, who may do anything (tampering tests).</summary>
    public string OwnerConnectionString => _database.ConnectionString;
    public string DemoPrefix => _database.Name + "_demo";

    /// <summary>Extra environment for the app (for example OIDC settings).</summary>
    protected virtual IDictionary<string, string> Environment => new Dictionary<string, string>();

    public string Log { get { lock (_log) return _log.ToString(); } }

    public virtual async Task InitializeAsync()
    {
        if (!File.Exists(RepositoryPaths.WebDll)) throw new InvalidOperationException($"Build the web app first: {RepositoryPaths.WebDll} is missing.");
        await _database.InitializeAsync();
        var psi = new ProcessStartInfo("dotnet", [RepositoryPaths.WebDll])
        {
            WorkingDirectory = RepositoryPaths.WebProject,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (k, v) in _database.AppSettings()) psi.Environment[k.Replace(":", "__")] = v;
        psi.Environment["HTTP_PORT"] = HttpPort.ToString();
        psi.Environment["GRPC_PORT"] = GrpcPort.ToString();
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        psi.Environment["Auth__Mode"] = "Development";
        psi.Environment["Demo__Seed"] = "true";
        psi.Environment["Demo__DatabasePrefix"] = DemoPrefix;
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (k, v) in Environment) psi.Environment[k] = v;
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        // Generous: with several builds and test runs sharing two cores, a start took more than 90 s.
        var deadline = DateTime.UtcNow.AddSeconds(240);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The app exited with {_process.ExitCode}:\n{Log}");
            try
            {
                if ((await http.GetAsync($"{BaseUrl}/health/ready")).IsSuccessStatusCode) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException) { }
            await Task.Delay(250);
        }
        throw new TimeoutException($"The app did not become ready in 240 s:\n{Log}");
    }

    public virtual async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        await TestDatabase.DropDemoDatabasesAsync(DemoPrefix);
        await _database.DisposeAsync();
    }
}
