using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Scripts;
using EtlStudio.Tests.Infrastructure;
using Npgsql;

namespace EtlStudio.Tests.Pipeline;

/// <summary>
/// The hand-written binary COPY rows store what Npgsql's own encoding of the same values stores: every field type,
/// NULLs, the infinities, values before PostgreSQL's epoch and text beyond ASCII. Half a stream is never stored.
/// </summary>
public sealed class BinaryCopyRowsTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    private const string Columns = "(n bigint, d double precision, b boolean, day date, at timestamptz, s text)";

    private static readonly object?[][] Values =
    [
        [0L, 0.0, false, new DateOnly(2000, 1, 1), new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc), ""],
        [long.MaxValue, double.MaxValue, true, DateOnly.MaxValue, DateTime.MaxValue, "Zürich ☃ 北京"],
        [long.MinValue, -1.5e-300, true, DateOnly.MinValue, DateTime.MinValue, "a\nb\tc'\"\\"],
        [-42L, double.NaN, false, new DateOnly(1969, 7, 20), new DateTime(1969, 7, 20, 20, 17, 40, 123, 456, DateTimeKind.Utc), new string('x', 100_000)],
        [null, null, null, null, null, null],
        [7L, double.NegativeInfinity, null, new DateOnly(2024, 2, 29), new DateTime(2099, 12, 31, 23, 59, 59, 999, 999, DateTimeKind.Utc), null],
    ];

    private static readonly FieldType[] Types = [FieldType.Integer, FieldType.Double, FieldType.Boolean, FieldType.Date, FieldType.DateTime, FieldType.String];

    [Fact]
    public async Task Every_type_is_stored_as_Npgsql_would_store_it()
    {
        await using var conn = await OpenAsync();
        await ExecAsync(conn, $"CREATE TEMP TABLE written {Columns}; CREATE TEMP TABLE expected {Columns}");
        foreach (var row in Values)
        {
            await using var insert = new NpgsqlCommand("INSERT INTO expected VALUES ($1, $2, $3, $4, $5, $6)", conn);
            for (var i = 0; i < row.Length; i++)
                insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = Sql.DbTypeOf(Types[i]), Value = row[i] ?? DBNull.Value });
            await insert.ExecuteNonQueryAsync();
        }

        // The typed writers for one half of the rows, the writer of values as a reader gives them for the other.
        var rows = new BinaryCopyRows(capacity: 16);
        for (var r = 0; r < Values.Length; r++)
        {
            rows.StartRow(Types.Length);
            if (r % 2 == 0) WriteTyped(rows, Values[r]);
            else for (var i = 0; i < Types.Length; i++) rows.Write(AsRead(Values[r][i]), Types[i]);
        }
        await BinaryCopyRows.CopyAsync(conn, "COPY written FROM STDIN (FORMAT BINARY)", Batches(rows), CancellationToken.None);

        Assert.Equal(Values.Length, await CountAsync(conn, "written"));
        Assert.Equal(0, await CountAsync(conn, "(SELECT * FROM written EXCEPT ALL SELECT * FROM expected) x"));
        Assert.Equal(0, await CountAsync(conn, "(SELECT * FROM expected EXCEPT ALL SELECT * FROM written) x"));
        Assert.Equal(1, await CountAsync(conn, "written WHERE day = 'infinity' AND at = 'infinity'"));
        Assert.Equal(1, await CountAsync(conn, "written WHERE day = '-infinity' AND at = '-infinity'"));
        Assert.Equal(1, await CountAsync(conn, "written WHERE d = '-Infinity' AND day = '2024-02-29' AND at = '2099-12-31 23:59:59.999999+00'"));
    }

    [Fact]
    public async Task A_copy_whose_rows_fail_midway_stores_none_and_leaves_the_connection_usable()
    {
        await using var conn = await OpenAsync();
        await ExecAsync(conn, "CREATE TEMP TABLE numbers (n bigint)");
        var first = new BinaryCopyRows();
        for (var i = 0; i < 1000; i++)
        {
            first.StartRow(1);
            first.Write((long)i);
        }

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            BinaryCopyRows.CopyAsync(conn, "COPY numbers FROM STDIN (FORMAT BINARY)", FailingAfter(first), CancellationToken.None));

        Assert.Equal("the source broke", failure.Message);
        Assert.Equal(0, await CountAsync(conn, "numbers"));
    }

    private static void WriteTyped(BinaryCopyRows rows, object?[] row)
    {
        if (row[0] is long n) rows.Write(n); else rows.WriteNull();
        if (row[1] is double d) rows.Write(d); else rows.WriteNull();
        if (row[2] is bool b) rows.Write(b); else rows.WriteNull();
        if (row[3] is DateOnly day) rows.Write(day); else rows.WriteNull();
        if (row[4] is DateTime at) rows.Write(at); else rows.WriteNull();
        if (row[5] is string s) rows.Write(s); else rows.WriteNull();
    }

    /// <summary>A value as <see cref="NpgsqlDataReader.GetValue"/> gives it: dates as <see cref="DateTime"/>.</summary>
    private static object? AsRead(object? value) => value switch
    {
        DateOnly d when d == DateOnly.MaxValue => DateTime.MaxValue,
        DateOnly d when d == DateOnly.MinValue => DateTime.MinValue,
        DateOnly d => d.ToDateTime(TimeOnly.MinValue),
        _ => value,
    };

#pragma warning disable CS1998 // an async iterator that needs no await
    private static async IAsyncEnumerable<BinaryCopyRows> Batches(params BinaryCopyRows[] batches)
    {
        foreach (var b in batches) yield return b;
    }

    private static async IAsyncEnumerable<BinaryCopyRows> FailingAfter(BinaryCopyRows first)
    {
        yield return first;
        throw new InvalidOperationException("the source broke");
    }
#pragma warning restore CS1998

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var conn = new NpgsqlConnection(db.ConnectionString);
        await conn.OpenAsync();
        return conn;
    }

    private static async Task ExecAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountAsync(NpgsqlConnection conn, string from)
    {
        await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM {from}", conn);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
