using System.Diagnostics;
using Amazon.S3;
using Amazon.S3.Model;
using S3Location = EtlStudio.Core.Connections.S3Location;
using EtlStudio.Core.Connections;

namespace EtlStudio.Tests.Infrastructure;

/// <summary>
/// A real S3 API server (s3rver from npm, installed by scripts/setup-env.sh) on a free port with its data in a fresh
/// temporary directory; <see cref="NewBucketAsync"/> gives each test its own bucket. s3rver accepts its default key pair.
/// </summary>
public sealed class S3TestServer : IAsyncLifetime
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private Process? _process;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "etl-s3rver-" + Guid.NewGuid().ToString("N"));

    public string Endpoint { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        var port = FreePort.Next();
        var script = Path.Combine(RepositoryPaths.Root, "scripts", "s3rver", "node_modules", "s3rver", "bin", "s3rver.js");
        var psi = new ProcessStartInfo("node", [script, "-d", _directory, "-a", "127.0.0.1", "-p", port.ToString(), "--no-vhost-buckets"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        _process = Process.Start(psi)!;
        var ready = new TaskCompletionSource();
        _process.OutputDataReceived += (_, e) => { if (e.Data?.Contains("listening", StringComparison.OrdinalIgnoreCase) == true) ready.TrySetResult(); };
        _process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("s3rver exited; run scripts/setup-env.sh --test."));
        _process.EnableRaisingEvents = true;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Endpoint = $"http://127.0.0.1:{port}";
    }

    /// <summary>A new empty bucket and the connection details of <paramref name="prefix"/> in it.</summary>
    public async Task<S3Location> NewBucketAsync(string prefix = "modules/shop")
    {
        var location = new S3Location(Endpoint, "us-east-1", "b-" + Guid.NewGuid().ToString("N")[..20], prefix, true, AccessKey, SecretKey);
        using var s3 = location.CreateClient();
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = location.Bucket });
        return location;
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        if (_process is not null) await _process.WaitForExitAsync();
        _process?.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
