using System.Diagnostics;
using Npgsql;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// Holds a transformation script to its limits from outside its session, which the script cannot reach: a script may
/// change its own settings (statement_timeout among them) and catch a cancel, but not this. When its time is up the
/// backend is cancelled, and terminated if it has not given way a few seconds later; when the space the run takes has
/// grown by more than the disk limit since the scripts began, or the script's temporary files (where the application
/// may list them) take more, it is terminated at once, and its transaction's files go with it.
/// <para>
/// The run's space is what the database takes beyond the committed relations of every other schema: its own schema's
/// tables, the script's temporary tables, and the tables its open transaction is writing, which no other session can
/// see by name but which are on disk all the same. Other work committed meanwhile is not counted against the run; other
/// sessions' uncommitted tables are, as nothing tells them apart.
/// </para>
/// </summary>
internal sealed class SandboxWatch : IAsyncDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    private readonly CancellationTokenSource _stop = new();
    private readonly NpgsqlDataSource _dataSource;
    private readonly int _pid;
    private readonly string _schema;
    private readonly PipelineOptions _options;
    private readonly Task _loop;
    private long _scriptStarted = Stopwatch.GetTimestamp();

    private SandboxWatch(NpgsqlDataSource dataSource, int pid, string schema, PipelineOptions options)
    {
        (_dataSource, _pid, _schema, _options) = (dataSource, pid, schema, options);
        _loop = Task.Run(() => WatchAsync(_stop.Token));
    }

    /// <summary>Why the watch stopped the script, as the end of a sentence ("ran longer than 60 s"); null while it has not.</summary>
    public string? Breach { get; private set; }

    /// <summary>Starts watching the sandbox session whose backend is <paramref name="pid"/>, working in the run's <paramref name="schema"/>.</summary>
    public static SandboxWatch Start(NpgsqlDataSource dataSource, int pid, string schema, PipelineOptions options) => new(dataSource, pid, schema, options);

    /// <summary>
    /// The database's size less the committed relations (with their indexes and TOAST) of every schema but the run's and
    /// the temporary ones: what the run's schema, the script's temporary tables and every open transaction's new tables take.
    /// </summary>
    private const string RunSpace = """
        SELECT pg_database_size(current_database()) - coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'm', 'S') AND n.nspname <> @schema AND n.nspname NOT LIKE 'pg\_temp\_%'
        """;

    /// <summary>The next script starts: its time is counted from now.</summary>
    public void NextScript() => Interlocked.Exchange(ref _scriptStarted, Stopwatch.GetTimestamp());

    private async Task WatchAsync(CancellationToken ct)
    {
        try
        {
            await using var conn = await _dataSource.OpenConnectionAsync(ct);
            var limit = PipelineOptions.Bytes(_options.TransformDiskSpace);
            var tempListed = await ScalarAsync<bool>(conn, "SELECT has_function_privilege('pg_ls_tmpdir()', 'EXECUTE')", ct);
            var baseline = await ScalarAsync<long>(conn, RunSpace, ct);
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
                var grown = await ScalarAsync<long>(conn, RunSpace, ct) - baseline;
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
        cmd.Parameters.AddWithValue("schema", _schema);
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
