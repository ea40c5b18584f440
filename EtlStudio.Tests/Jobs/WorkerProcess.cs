using System.Diagnostics;
using System.Text;
using EtlStudio.Tests.Infrastructure;

namespace EtlStudio.Tests.Jobs;

/// <summary>A worker-only node of the real app as its own process on an existing database, to be killed without warning.</summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private WorkerProcess(Process process) => _process = process;

    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>Starts a worker; <paramref name="name"/> becomes its sessions' application name, so a test can see which worker holds a run.</summary>
    public static WorkerProcess Start(string connectionString, string name = "etlstudio-worker")
    {
        var psi = new ProcessStartInfo("dotnet", [RepositoryPaths.WebDll])
        {
            WorkingDirectory = RepositoryPaths.WebProject, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.Environment["ConnectionStrings__Default"] = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = name }.ConnectionString;
        foreach (var (k, v) in TestDatabase.KeySettings()) psi.Environment[k.Replace(":", "__")] = v;
        psi.Environment["HTTP_PORT"] = FreePort.Next().ToString();
        psi.Environment["GRPC_PORT"] = FreePort.Next().ToString();
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        psi.Environment["Auth__Mode"] = "Development";
        psi.Environment["Workers__Mode"] = "WorkerOnly";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        var worker = new WorkerProcess(Process.Start(psi)!);
        worker._process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (worker._log) worker._log.AppendLine(e.Data); };
        worker._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (worker._log) worker._log.AppendLine(e.Data); };
        worker._process.BeginOutputReadLine();
        worker._process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>SIGKILL: no shutdown, no clean-up, connections dropped as a crash drops them.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
