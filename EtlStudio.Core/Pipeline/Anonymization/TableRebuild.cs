using Npgsql;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// Tables written from a SELECT in one pass. Writing a new table is cheaper than updating every row in place and lets a
/// column change type (generalized numbers become text). They have no index (the outbox step gives the final tables
/// their key) and are unlogged like every working table, unless they are published, which go straight to logged ones.
/// </summary>
internal static class TableRebuild
{
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
        return p.ExecuteAsync(conn, $"CREATE {(logged ? "" : "UNLOGGED ")}TABLE {table} ({names}) {Sql.Working} AS SELECT {typed} FROM ({select}) AS _x ({positions})", ct);
    }

    /// <summary>
    /// Creates <paramref name="table"/> (schema-qualified, quoted) with exactly these typed columns, without a key;
    /// unlogged unless <paramref name="logged"/>.
    /// </summary>
    public static Task CreateAsync(NpgsqlConnection conn, string table, IReadOnlyList<OutboxColumn> columns, CancellationToken ct, bool logged = false) =>
        new SqlParameters().ExecuteAsync(conn,
            $"CREATE {(logged ? "" : "UNLOGGED ")}TABLE {table} ({string.Join(", ", columns.Select(c => Sql.Ident(c.Name) + " " + Sql.TypeOf(c.Type)))}) {Sql.Working}", ct);
}

/// <summary>Names for the anonymization's scratch tables: unique, and swept with the run's working tables (<c>__</c>…).</summary>
internal static class Scratch
{
    public static string Name() => "__anon_" + Guid.NewGuid().ToString("N");
}
