using Npgsql;

namespace EtlStudio.Core.Runs;

/// <summary>
/// A session advisory lock on a connection of its own, held while a run (or its upload) executes. It goes with a dead
/// worker's connection, so a node killed mid-run never blocks the worker that takes the run over.
/// </summary>
public sealed class RunLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly long _key;

    private RunLock(NpgsqlConnection connection, long key) => (_connection, _key) = (connection, key);

    /// <summary>The lock for executing the run's pipeline.</summary>
    public static long PipelineKey(Guid runId) => BitConverter.ToInt64(runId.ToByteArray(), 0) ^ 0x52554E;

    /// <summary>The lock for uploading the run's outbox (a different key: an upload never overlaps its run's execution anyway).</summary>
    public static long UploadKey(Guid runId) => BitConverter.ToInt64(runId.ToByteArray(), 0) ^ 0x55504C;

    /// <summary>Takes the lock, or returns null at once when another session holds it.</summary>
    public static async Task<RunLock?> TryTakeAsync(NpgsqlDataSource dataSource, long key, CancellationToken ct)
    {
        var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock(@k)", connection);
            cmd.Parameters.AddWithValue("k", key);
            if ((bool)(await cmd.ExecuteScalarAsync(ct))!) return new RunLock(connection, key);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        await connection.DisposeAsync();
        return null;
    }

    /// <summary>
    /// Unlocks before the connection goes back to the pool: a pooled connection keeps its session, and with it the lock,
    /// until it is next used — a later execution on any node would find the run busy meanwhile.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var cmd = new NpgsqlCommand("SELECT pg_advisory_unlock(@k)", _connection);
            cmd.Parameters.AddWithValue("k", _key);
            await cmd.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (NpgsqlException)
        {
            // The connection is broken, and its session with it: the lock went with the session.
        }
        finally
        {
            await _connection.DisposeAsync();
        }
    }
}
