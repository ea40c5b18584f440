using EtlStudio.Core.Scripts;
using Npgsql;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// Replaces a staged table by the result of a SELECT in one pass: a new table is filled, the old one dropped and the
/// new one renamed. Writing a new table is cheaper than updating every row in place and lets a column change type
/// (generalized numbers become text). It has no index (the outbox step gives the final tables their key) and is unlogged
/// like every working table, unless it is the table's final write, which goes straight to a logged table.
/// </summary>
internal static class TableRebuild
{
    /// <param name="columns">The table's columns after the rebuild, in order, without <c>_row</c>.</param>
    /// <param name="select">A SELECT giving <c>_row</c> and then <paramref name="columns"/> in that order.</param>
    public static async Task ReplaceAsync(NpgsqlConnection conn, string schema, string table,
        IReadOnlyList<OutboxColumn> columns, string select, SqlParameters p, CancellationToken ct, bool logged = false)
    {
        // A unique scratch name: other tables of the same run may be anonymized at the same time.
        var scratch = "_anon_" + Guid.NewGuid().ToString("N");
        await FillAsync(conn, Sql.Table(schema, scratch), [new(StagingLayout.RowId, FieldType.Integer), .. columns], select, p, ct, logged);
        await new SqlParameters().ExecuteAsync(conn, $"""
            DROP TABLE {Sql.Table(schema, table)};
            ALTER TABLE {Sql.Table(schema, scratch)} RENAME TO {Sql.Ident(table)};
            """, ct);
    }

    /// <summary>
    /// Creates <paramref name="table"/> (schema-qualified, quoted) with exactly these typed columns from the rows of
    /// <paramref name="select"/> (its columns in this order), without a key; unlogged unless <paramref name="logged"/>.
    /// CREATE TABLE AS rather than CREATE and INSERT: it writes in bulk, and PostgreSQL may compute the rows in parallel.
    /// </summary>
    public static Task FillAsync(NpgsqlConnection conn, string table, IReadOnlyList<OutboxColumn> columns, string select, SqlParameters p,
        CancellationToken ct, bool logged = false)
    {
        var names = string.Join(", ", columns.Select(c => Sql.Ident(c.Name)));
        var positions = string.Join(", ", columns.Select((_, i) => "_c" + i));
        var typed = string.Join(", ", columns.Select((c, i) => $"_x._c{i}::{Sql.TypeOf(c.Type)}"));
        return p.ExecuteAsync(conn, $"CREATE {(logged ? "" : "UNLOGGED ")}TABLE {table} ({names}) AS SELECT {typed} FROM ({select}) AS _x ({positions})", ct);
    }

    /// <summary>
    /// Creates <paramref name="table"/> (schema-qualified, quoted) with exactly these typed columns, without a key;
    /// unlogged unless <paramref name="logged"/>.
    /// </summary>
    public static Task CreateAsync(NpgsqlConnection conn, string table, IReadOnlyList<OutboxColumn> columns, CancellationToken ct, bool logged = false) =>
        new SqlParameters().ExecuteAsync(conn,
            $"CREATE {(logged ? "" : "UNLOGGED ")}TABLE {table} ({string.Join(", ", columns.Select(c => Sql.Ident(c.Name) + " " + Sql.TypeOf(c.Type)))})", ct);
}
