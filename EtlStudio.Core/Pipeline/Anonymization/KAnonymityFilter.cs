using EtlStudio.Core.Scripts;
using Npgsql;
using NpgsqlTypes;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// k-anonymity by record suppression: records whose equivalence class (equal values of every quasi-identifier, NULL
/// equal to NULL) has fewer than k members move to the rejects table, as they are after generalization.
/// </summary>
internal static class KAnonymityFilter
{
    /// <summary>Removes the records of small classes and returns how many there were.</summary>
    /// <param name="columns">The table's columns with their types after generalization.</param>
    public static async Task<long> ApplyAsync(NpgsqlConnection conn, AnonymizationRequest r, IReadOnlyList<string> qi, int k,
        IReadOnlyList<OutboxColumn> columns, RowDraws? draws, CancellationToken ct)
    {
        var table = Sql.Table(r.Schema, r.Table);
        var small = Sql.Table(r.Schema, "_anon_" + Guid.NewGuid().ToString("N"));
        var q = string.Join(", ", qi.Select(Sql.Ident));
        // The classes are counted by hashing (GROUP BY puts NULLs together), in one pass that writes only the few
        // small ones; usually there are none and nothing else is read.
        var p = new SqlParameters();
        var kp = p.Add(k, NpgsqlDbType.Bigint);
        await p.ExecuteAsync(conn, $"CREATE UNLOGGED TABLE {small} AS SELECT {q}, count(*) AS _n FROM {table} GROUP BY {q} HAVING count(*) < {kp}; ANALYZE {small}", ct);
        if (!await new SqlParameters().ScalarAsync<bool>(conn, $"SELECT EXISTS (SELECT 1 FROM {small})", ct))
        {
            await new SqlParameters().ExecuteAsync(conn, $"DROP TABLE {small}", ct);
            return 0;
        }
        // NULL-safe equality that a hash join can use: equal nullness, and equal values with NULL read as any fixed value.
        var types = columns.ToDictionary(c => c.Name, c => c.Type);
        var match = string.Join(" AND ", qi.Select(name =>
        {
            var col = Sql.Ident(name);
            var zero = $"CAST({Zero(types[name])} AS {Sql.TypeOf(types[name])})";
            return $"(t.{col} IS NULL) = (c.{col} IS NULL) AND coalesce(t.{col}, {zero}) = coalesce(c.{col}, {zero})";
        }));
        var d = new SqlParameters();
        var dk = d.Add(k, NpgsqlDbType.Bigint);
        var moved = await d.ExecuteAsync(conn,
            $"WITH gone AS (DELETE FROM {table} t USING {small} c WHERE {match} RETURNING t AS _record, t.{Sql.Ident(StagingLayout.RowId)} AS _id, c._n) "
            + AnonymizationRejects.InsertInto(r, d)
            + $"{d.Add(AnonymizationRejects.KAnonymity, NpgsqlDbType.Text)}, NULL, 'equivalence class of ' || _n || ' < k=' || {dk}, _id, {RowDraws.Strip("to_jsonb(_record)", draws)} FROM gone", ct);
        await new SqlParameters().ExecuteAsync(conn, $"DROP TABLE {small}", ct);
        return moved;
    }

    private static string Zero(FieldType type) => type switch
    {
        FieldType.String => "''",
        FieldType.Boolean => "false",
        FieldType.Date or FieldType.DateTime => "'2000-01-01'",
        _ => "0",
    };
}
