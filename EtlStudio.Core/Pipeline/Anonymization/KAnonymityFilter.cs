using EtlStudio.Core.Scripts;
using Npgsql;
using NpgsqlTypes;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// k-anonymity by record suppression: records whose equivalence class (equal published values of every
/// quasi-identifier, NULL equal to NULL) has fewer than k members go to the rejects table.
/// </summary>
internal static class KAnonymityFilter
{
    /// <summary>
    /// The small classes (quasi-identifiers and <c>_n</c>, their size) in a new table, or null when there are none.
    /// The classes are counted by hashing (GROUP BY puts NULLs together), in one pass that writes only the few small
    /// ones; usually there are none and nothing else is read.
    /// </summary>
    public static async Task<string?> SmallClassesAsync(NpgsqlConnection conn, AnonymizationRequest r, AnonymizationPlan plan, CancellationToken ct)
    {
        var small = Sql.Table(r.Schema, Scratch.Name());
        var q = string.Join(", ", plan.QuasiIdentifiers.Select(Sql.Ident));
        var p = new SqlParameters();
        var rows = PublishedRows.Reading(r, plan, p, plan.QuasiIdentifiers);
        await p.ExecuteAsync(conn,
            $"CREATE UNLOGGED TABLE {small} {Sql.Working} AS SELECT {q}, count(*) AS _n FROM {rows.Query} t GROUP BY {q} HAVING count(*) < {p.Add(plan.K!.Value, NpgsqlDbType.Bigint)}; ANALYZE {small}", ct);
        if (await new SqlParameters().ScalarAsync<bool>(conn, $"SELECT EXISTS (SELECT 1 FROM {small})", ct)) return small;
        await new SqlParameters().ExecuteAsync(conn, $"DROP TABLE {small}", ct);
        return null;
    }

    /// <summary>
    /// Removes the records of the small classes from the table itself and files them as rejects; for a table nothing
    /// else rewrites, whose values are published as they are. Returns how many there were.
    /// </summary>
    public static Task<int> DeleteAsync(NpgsqlConnection conn, AnonymizationRequest r, AnonymizationPlan plan, string small, CancellationToken ct)
    {
        var d = new SqlParameters();
        var types = r.Columns.ToDictionary(c => c.Name, c => c.Type);
        return d.ExecuteAsync(conn,
            $"WITH gone AS (DELETE FROM {Sql.Table(r.Schema, r.Table)} t USING {small} c WHERE {Match(plan.QuasiIdentifiers, types, "t", "c")} "
            + $"RETURNING {AnonymizationRejects.Record(r, "t")} AS _record, t.{Sql.Ident(StagingLayout.RowId)} AS _id, c._n) "
            + AnonymizationRejects.InsertInto(r, d) + $"{Reason(d, plan, "_n")}, _id, _record FROM gone ORDER BY _id", ct);
    }

    /// <summary>Files the records of the small classes as rejects, as staged; the phases after leave them out (<see cref="Kept"/>).</summary>
    public static Task<int> RejectAsync(NpgsqlConnection conn, AnonymizationRequest r, AnonymizationPlan plan, string small, CancellationToken ct)
    {
        var d = new SqlParameters();
        var rows = PublishedRows.Reading(r, plan, d, plan.QuasiIdentifiers);
        var types = rows.Columns.ToDictionary(c => c.Name, c => c.Type);
        var rowId = Sql.Ident(StagingLayout.RowId);
        return d.ExecuteAsync(conn, AnonymizationRejects.InsertInto(r, d)
            + $"{Reason(d, plan, "c._n")}, t.{rowId}, {AnonymizationRejects.Record(r, "s")} FROM {rows.Query} t JOIN {small} c ON {Match(plan.QuasiIdentifiers, types, "t", "c")} "
            + $"JOIN {Sql.Table(r.Schema, r.Table)} s ON s.{rowId} = t.{rowId} ORDER BY t.{rowId}", ct);
    }

    /// <summary>
    /// Files the records of the small classes as rejects, as staged, and takes them out of the table; for a table whose
    /// removals must be settled before it is anonymized (<see cref="Steps.SelfReferences"/>). Returns how many went.
    /// </summary>
    public static async Task<long> RemoveAsync(NpgsqlConnection conn, AnonymizationRequest r, AnonymizationPlan plan, string small, CancellationToken ct)
    {
        var filed = await RejectAsync(conn, r, plan, small, ct);
        var p = new SqlParameters();
        var deleted = await p.ExecuteAsync(conn, $"DELETE FROM {Sql.Table(r.Schema, r.Table)} t USING {Sql.Table(r.Schema, StagingLayout.Rejects)} j "
            + $"WHERE j.step = {p.Add(AnonymizationRejects.Step, NpgsqlDbType.Text)} AND j.table_name = {p.Add(r.Table, NpgsqlDbType.Text)} "
            + $"AND j.rule = {p.Add(AnonymizationRejects.KAnonymity, NpgsqlDbType.Text)} AND j.row_id = t.{Sql.Ident(StagingLayout.RowId)}", ct);
        // Every record filed is taken out and no other: anything else would be a bug, and the step rolls back.
        if (deleted != filed) throw new InvalidOperationException($"{r.Table}: {filed} records filed under k-anonymity but {deleted} taken out.");
        return filed;
    }

    /// <summary>A condition on published rows (alias <paramref name="t"/>): not in a small class; TRUE when there are none.</summary>
    public static string Kept(string? small, AnonymizationPlan plan, PublishedRows rows, string t) => small is null ? "TRUE"
        : $"NOT EXISTS (SELECT 1 FROM {small} c WHERE {Match(plan.QuasiIdentifiers, rows.Columns.ToDictionary(c => c.Name, c => c.Type), t, "c")})";

    private static string Reason(SqlParameters d, AnonymizationPlan plan, string size) =>
        $"{d.Add(AnonymizationRejects.KAnonymity, NpgsqlDbType.Text)}, NULL, 'equivalence class of ' || {size} || ' < k=' || {d.Add(plan.K!.Value, NpgsqlDbType.Bigint)}";

    /// <summary>NULL-safe equality that a hash join can use: equal nullness, and equal values with NULL read as any fixed value.</summary>
    private static string Match(IReadOnlyList<string> qi, IReadOnlyDictionary<string, FieldType> types, string t, string c) =>
        string.Join(" AND ", qi.Select(name =>
        {
            var col = Sql.Ident(name);
            var zero = $"CAST({Zero(types[name])} AS {Sql.TypeOf(types[name])})";
            return $"({t}.{col} IS NULL) = ({c}.{col} IS NULL) AND coalesce({t}.{col}, {zero}) = coalesce({c}.{col}, {zero})";
        }));

    private static string Zero(FieldType type) => type switch
    {
        FieldType.String => "''",
        FieldType.Boolean => "false",
        FieldType.Date or FieldType.DateTime => "'2000-01-01'",
        _ => "0",
    };
}
