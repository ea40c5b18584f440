using System.Diagnostics;
using Npgsql;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// Holds a transformation script to its limits from outside its session, which the script cannot reach: a script may
/// change its own settings (statement_timeout among them) and catch a cancel, but not this. When its time is up the
/// backend is cancelled, and terminated if it has not given way a few seconds later; when the run's database has grown
/// by more than the disk limit since the scripts began (their tables, committed or not) or the script's temporary files
/// (where the application may list them) take more, it is terminated at once, and its transaction's files go with it.
/// </summary>
internal sealed class SandboxWatch : IAsyncDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    private readonly CancellationTokenSource _stop = new();
    private readonly NpgsqlDataSource _dataSource;
    private readonly int _pid;
    private readonly PipelineOptions _options;
    private readonly Task _loop;
    private long _scriptStarted = Stopwatch.GetTimestamp();

    private SandboxWatch(NpgsqlDataSource dataSource, int pid, PipelineOptions options)
    {
        (_dataSource, _pid, _options) = (dataSource, pid, options);
        _loop = Task.Run(() => WatchAsync(_stop.Token));
    }

    /// <summary>Why the watch stopped the script, as the end of a sentence ("ran longer than 60 s"); null while it has not.</summary>
    public string? Breach { get; private set; }

    /// <summary>Starts watching the sandbox session whose backend is <paramref name="pid"/>.</summary>
    public static SandboxWatch Start(NpgsqlDataSource dataSource, int pid, PipelineOptions options) => new(dataSource, pid, options);

    /// <summary>The next script starts: its time is counted from now.</summary>
    public void NextScript() => Interlocked.Exchange(ref _scriptStarted, Stopwatch.GetTimestamp());

    private async Task WatchAsync(CancellationToken ct)
    {
        try
        {
            await using var conn = await _dataSource.OpenConnectionAsync(ct);
            var limit = PipelineOptions.Bytes(_options.TransformDiskSpace);
            var tempListed = await ScalarAsync<bool>(conn, "SELECT has_function_privilege('pg_ls_tmpdir()', 'EXECUTE')", ct);
            var baseline = await ScalarAsync<long>(conn, "SELECT pg_database_size(current_database())", ct);
            long? cancelledAt = null;
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(Poll, ct);
                if (cancelledAt is { } at)
                {
                    if (Stopwatch.GetElapsedTime(at) > Grace) await SignalAsync(conn, "pg_terminate_backend", ct);
                    continue;
                }
                if (Stopwatch.GetElapsedTime(Interlocked.Read(ref _scriptStarted)) > _options.TransformTimeout)
                {
                    Breach = $"ran longer than {_options.TransformTimeout.TotalSeconds:0} s";
                    await SignalAsync(conn, "pg_cancel_backend", ct);
                    cancelledAt = Stopwatch.GetTimestamp();
                    continue;
                }
                var grown = await ScalarAsync<long>(conn, "SELECT pg_database_size(current_database())", ct) - baseline;
                if (tempListed)
                    grown += await ScalarAsync<long>(conn, """
                        SELECT coalesce(sum(t.size), 0)::bigint FROM pg_ls_tmpdir() t
                        WHERE t.name LIKE ANY (SELECT 'pgsql_tmp' || a.pid || '.%' FROM pg_stat_activity a WHERE a.pid = @pid OR a.leader_pid = @pid)
                        """, ct);
                if (grown > limit)
                {
                    Breach = $"took more than {_options.TransformDiskSpace} of disk space (Pipeline:TransformDiskSpace)";
                    await SignalAsync(conn, "pg_terminate_backend", ct);
                    cancelledAt = Stopwatch.GetTimestamp();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    private Task SignalAsync(NpgsqlConnection conn, string function, CancellationToken ct) =>
        ScalarAsync<bool>(conn, $"SELECT {function}(@pid)", ct);

    private async Task<T> ScalarAsync<T>(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue("pid", _pid);
        return (T)(await cmd.ExecuteScalarAsync(ct))!;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        // A failure of the watch itself (say, the database went away) shows in the script's own failure.
        try { await _loop; } catch (NpgsqlException) { }
        _stop.Dispose();
    }
}
