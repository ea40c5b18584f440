using Npgsql;
using NpgsqlTypes;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// A PostgreSQL setting raised for the duration of the step and put back afterwards, so the caller's pooled
/// connection keeps its own configuration. Used for work_mem: the step's sorts and hash aggregates over millions of
/// rows spill to disk many times over at the default 4 MB.
/// </summary>
internal sealed class SessionSetting : IAsyncDisposable
{
    private readonly NpgsqlConnection _conn;
    private readonly string _name;
    private readonly string? _previous;

    private SessionSetting(NpgsqlConnection conn, string name, string? previous) => (_conn, _name, _previous) = (conn, name, previous);

    /// <summary>Raises a memory setting to <paramref name="value"/> unless it is already at least that (say, raised by the engine for its step).</summary>
    public static async Task<SessionSetting> RaiseAsync(NpgsqlConnection conn, string name, string value, CancellationToken ct)
    {
        var p = new SqlParameters();
        var n = p.Add(name, NpgsqlDbType.Text);
        await using var cmd = p.Command(conn, $"SELECT current_setting({n}), pg_size_bytes(current_setting({n})) >= pg_size_bytes({p.Add(value, NpgsqlDbType.Text)})");
        string previous;
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            if (reader.GetBoolean(1)) return new(conn, name, null);
            previous = reader.GetString(0);
        }
        var set = new SqlParameters();
        await set.ExecuteAsync(conn, $"SELECT set_config({set.Add(name, NpgsqlDbType.Text)}, {set.Add(value, NpgsqlDbType.Text)}, false)", ct);
        return new(conn, name, previous);
    }

    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/> for the session until disposed.</summary>
    public static async Task<SessionSetting> SetAsync(NpgsqlConnection conn, string name, string value, CancellationToken ct)
    {
        var p = new SqlParameters();
        var previous = await p.ScalarAsync<string>(conn, $"SELECT current_setting({p.Add(name, NpgsqlDbType.Text)})", ct);
        var set = new SqlParameters();
        await set.ExecuteAsync(conn, $"SELECT set_config({set.Add(name, NpgsqlDbType.Text)}, {set.Add(value, NpgsqlDbType.Text)}, false)", ct);
        return new(conn, name, previous);
    }

    public async ValueTask DisposeAsync()
    {
        if (_previous is null) return;
        try
        {
            var p = new SqlParameters();
            await p.ExecuteAsync(_conn, $"SELECT set_config({p.Add(_name, NpgsqlDbType.Text)}, {p.Add(_previous, NpgsqlDbType.Text)}, false)", CancellationToken.None);
        }
        // In a failed transaction the rollback already undoes the change, and the original error is the one to see.
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InFailedSqlTransaction) { }
    }
}
