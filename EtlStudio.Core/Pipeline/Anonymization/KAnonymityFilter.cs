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
    public static async Task<long> ApplyAsync(NpgsqlConnection conn, AnonymizationRequest r, IReadOnlyList<string> qi, int k, CancellationToken ct)
    {
        var table = Sql.Table(r.Schema, r.Table);
        var rowId = Sql.Ident(StagingLayout.RowId);
        var p = new SqlParameters();
        var kp = p.Add(k, NpgsqlDbType.Bigint);
        // A window count groups NULLs together, which a join on the classes would not; it sorts only the key and the
        // quasi-identifiers, and the whole record is fetched just for the few that go.
        var moved = await p.ExecuteAsync(conn, AnonymizationRejects.InsertInto(r, p)
            + $"{p.Add(AnonymizationRejects.KAnonymity, NpgsqlDbType.Text)}, NULL, 'equivalence class of ' || c.n || ' < k=' || {kp}, t.{rowId}, to_jsonb(t) "
            + $"FROM (SELECT {rowId}, count(*) OVER (PARTITION BY {string.Join(", ", qi.Select(Sql.Ident))}) AS n FROM {table}) c "
            + $"JOIN {table} t USING ({rowId}) WHERE c.n < {kp}", ct);
        if (moved == 0) return 0;
        var d = new SqlParameters();
        await d.ExecuteAsync(conn, $"DELETE FROM {table} WHERE {rowId} IN (SELECT row_id FROM {Sql.Table(r.Schema, StagingLayout.Rejects)} "
            + $"WHERE step = {d.Add(AnonymizationRejects.Step, NpgsqlDbType.Text)} AND table_name = {d.Add(r.Table, NpgsqlDbType.Text)} AND rule = {d.Add(AnonymizationRejects.KAnonymity, NpgsqlDbType.Text)})", ct);
        return moved;
    }
}
