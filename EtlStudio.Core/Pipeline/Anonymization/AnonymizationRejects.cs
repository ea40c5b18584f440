using Npgsql;
using NpgsqlTypes;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>This step's rows in the run's rejects table: <c>step = 'anonymize'</c>, one rule per kind of removal.</summary>
internal static class AnonymizationRejects
{
    public const string Step = "anonymize";
    public const string KAnonymity = "k-anonymity";
    public const string LDiversity = "l-diversity";

    /// <summary>Forgets an earlier attempt's rejects of this table, so a retried step does not count them twice.</summary>
    public static Task ClearAsync(NpgsqlConnection conn, AnonymizationRequest r, CancellationToken ct)
    {
        var p = new SqlParameters();
        return p.ExecuteAsync(conn, $"DELETE FROM {Sql.Table(r.Schema, StagingLayout.Rejects)} WHERE step = {p.Add(Step, NpgsqlDbType.Text)} AND table_name = {p.Add(r.Table, NpgsqlDbType.Text)}", ct);
    }

    /// <summary>The INSERT head for rejects; the caller's SELECT gives rule, column_name, reason, row_id, record.</summary>
    public static string InsertInto(AnonymizationRequest r, SqlParameters p) =>
        $"INSERT INTO {Sql.Table(r.Schema, StagingLayout.Rejects)} (step, table_name, rule, column_name, reason, row_id, record) "
        + $"SELECT {p.Add(Step, NpgsqlDbType.Text)}, {p.Add(r.Table, NpgsqlDbType.Text)}, ";
}
