using Npgsql;
using NpgsqlTypes;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>Collects the values of one statement as numbered parameters, so SQL built from metadata never inlines a value.</summary>
internal sealed class SqlParameters
{
    private readonly List<NpgsqlParameter> _items = [];

    /// <summary>For a query COPY runs, which takes no parameters: the temporary table its values are read from.</summary>
    private readonly string? _copied;

    public SqlParameters() { }

    private SqlParameters(string copied) => _copied = copied;

    /// <summary>
    /// Values for a query that <see cref="CopyOutAsync"/> runs: COPY takes no parameters, so each placeholder reads its
    /// value from a temporary table of one row that a statement that does take them writes first — still no value in
    /// the SQL. A scalar subquery without references, so PostgreSQL reads it once, not once a row.
    /// </summary>
    public static SqlParameters ForCopy() => new("_anon_params_" + Guid.NewGuid().ToString("N"));

    /// <summary>Adds <paramref name="value"/> and returns its placeholder (<c>@p0</c>, <c>@p1</c>, …).</summary>
    public string Add(object? value, NpgsqlDbType? type = null)
    {
        var name = "p" + _items.Count;
        var p = new NpgsqlParameter(name, value ?? DBNull.Value);
        if (type is { } t) p.NpgsqlDbType = t;
        _items.Add(p);
        return _copied is null ? "@" + name : $"(SELECT {name} FROM pg_temp.{_copied})";
    }

    /// <summary>
    /// Runs <c>COPY (<paramref name="select"/>) TO STDOUT (FORMAT BINARY)</c>, the query built with these parameters
    /// (<see cref="ForCopy"/>), and hands its rows to <paramref name="read"/>; the temporary table goes after (with the
    /// transaction, should anything fail).
    /// </summary>
    public async Task CopyOutAsync(NpgsqlConnection conn, string select, Func<Stream, Task> read, CancellationToken ct)
    {
        if (_copied is null) throw new InvalidOperationException("Parameters for COPY are made by SqlParameters.ForCopy().");
        if (_items.Count > 0)
            await ExecuteAsync(conn, $"CREATE TEMPORARY TABLE {_copied} AS SELECT {string.Join(", ", _items.Select(p => $"@{p.ParameterName} AS {p.ParameterName}"))}", ct);
        await using (var stream = await conn.BeginRawBinaryCopyAsync($"COPY ({select}) TO STDOUT (FORMAT BINARY)", ct))
            await read(stream);
        if (_items.Count > 0) await new SqlParameters().ExecuteAsync(conn, $"DROP TABLE pg_temp.{_copied}", ct);
    }

    public async Task<int> ExecuteAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = Command(conn, sql);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<T?> ScalarAsync<T>(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = Command(conn, sql);
        var value = await cmd.ExecuteScalarAsync(ct);
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public NpgsqlCommand Command(NpgsqlConnection conn, string sql)
    {
        // Large tables: the step's statements are few but long; the caller's own timeout, if any, is on the connection.
        var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        foreach (var p in _items) cmd.Parameters.Add(p.Clone());
        return cmd;
    }
}
