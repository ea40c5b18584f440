using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Npgsql;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// Reads a query in batches (<see cref="RowBatch"/>), hands each batch, in order, to a function that returns one
/// writing action per target table, and writes each target by binary COPY: on side connections while reading, or,
/// without side connections (as in a preview), after it, from memory.
/// </summary>
internal static class ChoicePipe
{
    /// <summary>A table a pipe writes: its columns, and whether it is published (logged, analyzed by the outbox step) rather than scratch.</summary>
    public sealed record Target(string Table, IReadOnlyList<OutboxColumn> Columns, bool Published = false);

    /// <summary>Into one scratch table.</summary>
    public static Task RunAsync(NpgsqlConnection conn, SideConnections? side, string table, SqlParameters p, string select, Target target,
        int longs, bool value, Func<RowBatch, Action<BinaryCopyRows>> choose, CancellationToken ct) =>
        RunAsync(conn, side, table, p, select, [target], longs, value, input => [choose(input)], ct);

    /// <summary>
    /// Reads <paramref name="select"/> — its first <paramref name="longs"/> columns bigints (the first <c>_row</c>), then
    /// one of any type when <paramref name="value"/> — and writes each of <paramref name="targets"/> from the actions
    /// <paramref name="choose"/> returns for each batch, one per target.
    /// </summary>
    /// <param name="table">The anonymized table, for the errors.</param>
    /// <param name="copyOut">
    /// Whether <paramref name="select"/> (with <paramref name="p"/> made by <see cref="SqlParameters.ForCopy"/>) is run by
    /// COPY, the fields after the bigints kept as sent (<see cref="RowBatch.Raw"/>); <paramref name="value"/> is then false.
    /// </param>
    public static async Task RunAsync(NpgsqlConnection conn, SideConnections? side, string table, SqlParameters p, string select,
        IReadOnlyList<Target> targets, int longs, bool value, Func<RowBatch, Action<BinaryCopyRows>[]> choose, CancellationToken ct, bool copyOut = false)
    {
        // Bounded beside the reader, so a slow writer holds the reader back instead of the batches piling up in memory.
        var channels = targets.Select(_ => side is null ? Channel.CreateUnbounded<Action<BinaryCopyRows>>() : Channel.CreateBounded<Action<BinaryCopyRows>>(4)).ToArray();
        var size = new RowBatch.RawSize();
        async Task ReadAsync(NpgsqlConnection c, CancellationToken t)
        {
            try
            {
                var input = new RowBatch(longs, value, size);
                // Each row read is added to the batch, which goes to the writers once full, and the last once the rows end.
                async Task AddedAsync(bool more)
                {
                    if (input.Count == RowBatch.Rows || (!more && input.Count > 0))
                    {
                        var writes = choose(input);
                        for (var k = 0; k < channels.Length; k++) await channels[k].Writer.WriteAsync(writes[k], t);
                        input = new RowBatch(longs, value, size);
                    }
                }
                if (copyOut) await ReadCopiedAsync(c, p, select, table, longs, () => input, AddedAsync, t);
                else await ReadRowsAsync(c, p, select, table, longs, value, () => input, AddedAsync, t);
                foreach (var channel in channels) channel.Writer.Complete();
            }
            catch (Exception e)
            {
                foreach (var channel in channels) channel.Writer.TryComplete(e);
                throw;
            }
        }
        Func<NpgsqlConnection, CancellationToken, Task> Writer(int k) => async (c, t) =>
        {
            var (target, columns, published) = targets[k];
            await TableRebuild.CreateAsync(c, target, columns, t, logged: published);
            await BinaryCopyRows.CopyAsync(c, $"COPY {target} ({string.Join(", ", columns.Select(x => Sql.Ident(x.Name)))}) FROM STDIN (FORMAT BINARY)", Encoded(channels[k], t), t);
            if (!published) await new SqlParameters().ExecuteAsync(c, $"ANALYZE {target}", t);
        };
        var writers = Enumerable.Range(0, targets.Count).Select(Writer).ToArray();
        if (side is null)
        {
            await ReadAsync(conn, ct);
            foreach (var write in writers) await write(conn, ct);
        }
        else await SideConnections.RunAsync(conn, side, ct, ReadAsync, writers);
    }

    /// <summary>Adds each row of the query, read by a data reader, to the current batch; <paramref name="added"/> once the batch is full, and with false once the rows end.</summary>
    private static async Task ReadRowsAsync(NpgsqlConnection c, SqlParameters p, string select, string table, int longs, bool value,
        Func<RowBatch> batch, Func<bool, Task> added, CancellationToken t)
    {
        await using var cmd = p.Command(c, select);
        await using var reader = await cmd.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, t);
        while (await reader.ReadAsync(t))
        {
            var input = batch();
            var i = input.Count++;
            if (reader.IsDBNull(0)) throw RecordChoices.NoRowNumber(table);
            for (var k = 0; k < longs; k++) input.Longs[k][i] = reader.GetInt64(k);
            if (value) input.Values![i] = reader.IsDBNull(longs) ? null : reader.GetValue(longs);
            if (input.Count == RowBatch.Rows) await added(true);
        }
        await added(false);
    }

    /// <summary>As <see cref="ReadRowsAsync"/>, the query run by COPY and the fields after the bigints kept as sent.</summary>
    private static Task ReadCopiedAsync(NpgsqlConnection c, SqlParameters p, string select, string table, int longs,
        Func<RowBatch> batch, Func<bool, Task> added, CancellationToken t) =>
        p.CopyOutAsync(c, select, async stream =>
        {
            var reader = new BinaryCopyReader(stream);
            while (await reader.ReadAsync(t))
            {
                var input = batch();
                var i = input.Count++;
                for (var k = 0; k < longs; k++)
                    input.Longs[k][i] = reader.IsNull(k)
                        ? throw (k == 0 ? RecordChoices.NoRowNumber(table) : new InvalidOperationException($"Table {table}: no value number for a record."))
                        : reader.Int64(k);
                input.AddRaw(reader.Fields(longs));
                if (input.Count == RowBatch.Rows) await added(true);
            }
            await added(false);
        }, t);

    /// <summary>Each batch's rows are written into one buffer, sent before the next batch is written into it.</summary>
    private static async IAsyncEnumerable<BinaryCopyRows> Encoded(Channel<Action<BinaryCopyRows>> batches, [EnumeratorCancellation] CancellationToken t)
    {
        var output = new BinaryCopyRows(RowBatch.Rows * 64);
        await foreach (var write in batches.Reader.ReadAllAsync(t))
        {
            output.Clear();
            write(output);
            yield return output;
        }
    }
}
