using Npgsql;
using NpgsqlTypes;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>Collects the values of one statement as numbered parameters, so SQL built from metadata never inlines a value.</summary>
internal sealed class SqlParameters
{
    private readonly List<NpgsqlParameter> _items = [];

    /// <summary>Adds <paramref name="value"/> and returns its placeholder (<c>@p0</c>, <c>@p1</c>, …).</summary>
    public string Add(object? value, NpgsqlDbType? type = null)
    {
        var name = "p" + _items.Count;
        var p = new NpgsqlParameter(name, value ?? DBNull.Value);
        if (type is { } t) p.NpgsqlDbType = t;
        _items.Add(p);
        return "@" + name;
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
