using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Pipeline.Anonymization;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using Npgsql;

namespace EtlStudio.Tests.Pipeline.Anonymization;

/// <summary>
/// A staged table in a schema of its own, laid out as the engine leaves it before anonymization (StagingLayout),
/// filled from a SELECT that gives _row and then the columns.
/// </summary>
public sealed class StagedTable
{
    private readonly string _connectionString;
    private readonly string _rows;

    public string Schema { get; } = "run_" + Guid.NewGuid().ToString("N");
    public string Name { get; }
    public IReadOnlyList<ResolvedColumn> Columns { get; }

    private StagedTable(string connectionString, string name, IReadOnlyList<ResolvedColumn> columns, string rows)
    {
        _connectionString = connectionString;
        Name = name;
        Columns = columns;
        _rows = rows;
    }

    /// <summary>Creates the schema and the table; <paramref name="rows"/> is a SELECT or VALUES giving _row and the columns.</summary>
    public static async Task<StagedTable> CreateAsync(string connectionString, IReadOnlyList<ResolvedColumn> columns, string rows, string name = "people")
    {
        var t = new StagedTable(connectionString, name, columns, rows);
        await t.ExecuteAsync(StagingLayout.CreateSql(t.Schema));
        await t.RecreateAsync();
        return t;
    }

    /// <summary>Drops whatever the last run left and stages the input again, as the engine does before a retry.</summary>
    public async Task RecreateAsync()
    {
        var defs = string.Join(", ", Columns.Select(c => $"{Sql.Ident(c.Name)} {Sql.TypeOf(c.Type)}"));
        await ExecuteAsync($"""
            DROP TABLE IF EXISTS {Sql.Table(Schema, Name)};
            CREATE TABLE {Sql.Table(Schema, Name)} ("_row" bigint PRIMARY KEY, {defs});
            INSERT INTO {Sql.Table(Schema, Name)} {_rows};
            """);
    }

    public async Task<AnonymizationResult> AnonymizeAsync(long seed = 42, PrivacySettings? privacy = null, string? primaryKey = null, TableAnonymizer? anonymizer = null)
    {
        await using var conn = await OpenAsync();
        return await (anonymizer ?? new TableAnonymizer()).ApplyAsync(conn, Request(seed, privacy, primaryKey), CancellationToken.None);
    }

    public AnonymizationRequest Request(long seed = 42, PrivacySettings? privacy = null, string? primaryKey = null) =>
        new(Schema, Name, Columns, primaryKey, privacy ?? new PrivacySettings(null, null, null), seed, 3);

    /// <summary>Runs a query and returns every row's values (DBNull as null).</summary>
    public async Task<List<object?[]>> QueryAsync(string sql)
    {
        await using var conn = await OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>One column of a table of this schema, in _row order.</summary>
    public async Task<List<object?>> ColumnAsync(string column, string? table = null) =>
        (await QueryAsync($"SELECT {Sql.Ident(column)} FROM {Sql.Table(Schema, table ?? Name)} ORDER BY _row")).Select(r => r[0]).ToList();

    /// <summary>The whole table as text, for comparing two runs.</summary>
    public async Task<string> DumpAsync(string? table = null) =>
        (string)(await QueryAsync($"SELECT coalesce(string_agg(t::text, '|' ORDER BY _row), '') FROM {Sql.Table(Schema, table ?? Name)} t"))[0][0]!;

    public async Task<long> ScalarAsync(string sql) => Convert.ToInt64((await QueryAsync(sql))[0][0]);

    public async Task<string?> ScalarTextAsync(string sql) => (await QueryAsync(sql))[0][0]?.ToString();

    public string Rejects => Sql.Table(Schema, StagingLayout.Rejects);

    public string Table(string? name = null) => Sql.Table(Schema, name ?? Name);

    private async Task ExecuteAsync(string sql)
    {
        await using var conn = await OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var conn = new NpgsqlConnection(_connectionString);
        await conn.OpenAsync();
        return conn;
    }
}
