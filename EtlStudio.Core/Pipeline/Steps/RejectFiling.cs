using EtlStudio.Core.Tasks;
using Npgsql;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// Takes records out of a working table and files each in the rejects table with its rule, column and reason, and the
/// record as JSON (the task's columns in their order, without the engine's own). One query works out which records go,
/// with their reasons and JSON, into a scratch table along with each record's place (ctid): PostgreSQL may run it in
/// parallel, which a DELETE … RETURNING never is, and the JSON is most of the work. The records are then deleted by
/// place, which reads only their pages, and filed in <c>_row</c> order. The places hold: nothing changes the table in between, inside the step's transaction.
/// </summary>
internal static class RejectFiling
{
    /// <summary>
    /// Moves the records of <paramref name="source"/> (alias <c>s</c>, joined with <paramref name="joins"/>) that
    /// <paramref name="where"/> picks into the rejects, as filed by <paramref name="step"/>; <paramref name="rule"/>,
    /// <paramref name="column"/> and <paramref name="reason"/> are SQL over them. Returns how many went.
    /// </summary>
    public static async Task<long> MoveAsync(NpgsqlConnection conn, StepContext ctx, PipelineStep step, ResolvedTable table, string source,
        string joins, string where, string rule, string column, string reason, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        var scratch = ctx.T(StepContext.Scratch());
        var record = string.Join(", ", table.Columns.Select(c => "s." + Sql.Ident(c.Name)));
        // The record's columns as a subquery of their own: to_json names the keys after them, and the planner folds it
        // into the scan (a scalar subquery per record would keep the JSON out of the parallel workers).
        await StepContext.ExecAsync(conn, $"""
            CREATE UNLOGGED TABLE {scratch} {Sql.Working} AS
            SELECT s.ctid AS _tid, s._row, {rule} AS _rule, {column} AS _column, {reason} AS _reason, to_json(_r) AS _record
            FROM {source} s {joins} CROSS JOIN LATERAL (SELECT {record}) _r
            WHERE {where}
            """, ct, parameters);
        var deleted = await StepContext.ExecAsync(conn, $"DELETE FROM {source} WHERE ctid = ANY (ARRAY(SELECT _tid FROM {scratch}))", ct);
        var filed = await StepContext.ExecAsync(conn, $"""
            INSERT INTO {ctx.T(StagingLayout.Rejects)} (step, table_name, rule, column_name, reason, row_id, record)
            SELECT @step, @table, _rule, _column, _reason, _row, _record FROM {scratch} ORDER BY _row;
            DROP TABLE {scratch};
            """, ct, ("step", step.ToString()), ("table", table.Name));
        // Every record deleted is filed and no other: anything else would be a bug, and the step rolls back.
        if (deleted != filed)
            throw new InvalidOperationException($"{step} on {table.Name}: {deleted} records deleted but {filed} filed as rejects.");
        return filed;
    }
}
