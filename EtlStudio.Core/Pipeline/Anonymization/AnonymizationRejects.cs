using Npgsql;
using NpgsqlTypes;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// This step's rows in the run's rejects table: filed under the step's own name (<see cref="PipelineStep.Anonymize"/>),
/// one rule per kind of removal, each record as every other step files it — the task's columns, in order, as staged.
/// </summary>
internal static class AnonymizationRejects
{
    public static readonly string Step = PipelineStep.Anonymize.ToString();
    public const string KAnonymity = "k-anonymity";
    public const string LDiversity = "l-diversity";
    /// <summary>A child record whose parent record the anonymization removed (filed by the step, not the anonymizer).</summary>
    public const string ParentRemoved = "parent-removed";

    /// <summary>
    /// Forgets an earlier attempt's rejects of records that are in the table again (a retried step re-creates its input),
    /// so they are not counted twice; rejects of records already taken out before this table's anonymization stay.
    /// </summary>
    public static Task ClearAsync(NpgsqlConnection conn, AnonymizationRequest r, CancellationToken ct)
    {
        var p = new SqlParameters();
        var rejects = Sql.Table(r.Schema, StagingLayout.Rejects);
        var mine = $"step = {p.Add(Step, NpgsqlDbType.Text)} AND table_name = {p.Add(r.Table, NpgsqlDbType.Text)} "
            + $"AND rule IN ({p.Add(KAnonymity, NpgsqlDbType.Text)}, {p.Add(LDiversity, NpgsqlDbType.Text)})";
        // Usually there are none: the uncorrelated EXISTS is checked once, and the table is not read.
        return p.ExecuteAsync(conn, $"""
            DELETE FROM {rejects} j WHERE {mine} AND EXISTS (SELECT 1 FROM {rejects} WHERE {mine})
              AND j.row_id IN (SELECT {Sql.Ident(StagingLayout.RowId)} FROM {Sql.Table(r.Schema, r.Table)})
            """, ct);
    }

    /// <summary>The INSERT head for rejects; the caller's SELECT gives rule, column_name, reason, row_id, record.</summary>
    public static string InsertInto(AnonymizationRequest r, SqlParameters p) =>
        $"INSERT INTO {Sql.Table(r.Schema, StagingLayout.Rejects)} (step, table_name, rule, column_name, reason, row_id, record) "
        + $"SELECT {p.Add(Step, NpgsqlDbType.Text)}, {p.Add(r.Table, NpgsqlDbType.Text)}, ";

    /// <summary>
    /// The staged record (alias <paramref name="s"/>) as JSON: the task's columns in their order, as the record came to
    /// the step — like <see cref="Steps.RejectFiling"/> files it, not as it would have been published.
    /// </summary>
    public static string Record(AnonymizationRequest r, string s) =>
        $"(SELECT to_json(_r) FROM (SELECT {string.Join(", ", r.Columns.Select(c => $"{s}.{Sql.Ident(c.Name)}"))}) _r)";
}
