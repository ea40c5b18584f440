using System.Buffers.Binary;
using EtlStudio.Core.Scripts;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// QIT written as the records are dealt to groups, by binary COPY from the pass that deals them, instead of by a query
/// after it that joins every record with its choices (the pass then reads the published columns too, while QIT's COPY
/// is written on another core). The pass reads each
/// published value as PostgreSQL computes it (generalization, suppression) and hands it on unread; what this process
/// works out — the perturbation's noise (<see cref="ProcessNoise"/>), the permuted values held in memory
/// (<see cref="HeldShuffle"/>) and the group — it writes itself. Only for a table whose every choice is made in the
/// pass: values held by number (ST dealt too), no shuffle through a table of its own, every perturbation one
/// <see cref="ProcessNoise"/> does; otherwise the query writes QIT. The records over the cap still go to a choices
/// table, for their rejects.
/// </summary>
internal sealed class DealtQit
{
    private readonly Field[] _fields;

    private DealtQit(Field[] fields, IReadOnlyList<string> read, IReadOnlyList<OutboxColumn> columns) => (_fields, Read, Columns) = (fields, read, columns);

    /// <summary>What the pass reads after its four numbers, each column typed as QIT has it (over the rows as <see cref="PublishedRows.Unperturbed"/> gives them, alias <c>t</c>).</summary>
    public IReadOnlyList<string> Read { get; }

    /// <summary>QIT's table: <c>_row</c>, its columns (<see cref="Anatomy.QitColumns"/>), the group.</summary>
    public IReadOnlyList<OutboxColumn> Columns { get; }

    /// <summary>
    /// The way QIT is written as the records are dealt, or null when the table needs the query (see above); ST must be
    /// dealt too (<see cref="Anatomy.HoldsValues"/>), which <see cref="StrategyChoice"/> sees to.
    /// </summary>
    public static DealtQit? TryFor(AnonymizationRequest r, AnonymizationPlan plan, Anatomy anatomy, HeldShuffle? held)
    {
        // Every permuted column held in memory: a shuffle through a table of its own (or within classes) is joined by the query.
        if (plan.Permuted.Select((_, i) => i).Any(i => held is null || held.OrdinalOf(i) < 0)) return null;
        var published = PublishedRows.For(r, plan, new SqlParameters());
        var purposes = published.UniformPurposes.ToList();
        var fields = new List<Field>();
        var read = new List<string>();
        var permuted = plan.Permuted.Select((x, i) => (x.Column.Name, i)).ToDictionary(x => x.Name, x => x.i);
        foreach (var c in anatomy.QitColumns(published.Columns).SkipLast(1))
        {
            var column = r.Columns.First(x => x.Name == c.Name);
            if (permuted.TryGetValue(c.Name, out var index))
            {
                fields.Add(new Field(null, held!.OrdinalOf(index)));
                continue;
            }
            ProcessNoise? noise = null;
            if (column.Anonymization?.Parameters is PerturbationParameters && (noise = ProcessNoise.For(column, purposes.IndexOf)) is null) return null;
            fields.Add(new Field(noise, -1));
            read.Add($"t.{Sql.Ident(c.Name)}::{Sql.TypeOf(c.Type)}");
        }
        return new DealtQit([.. fields], read, [new(StagingLayout.RowId, FieldType.Integer), .. anatomy.QitColumns(published.Columns)]);
    }

    /// <summary>
    /// Writes QIT's row of the record <paramref name="row"/>, the <paramref name="i"/>th of its batch, dealt to
    /// <paramref name="group"/>: <paramref name="fields"/> are what the pass read (<see cref="Read"/>) as COPY sent it,
    /// <paramref name="u"/> the batch's draws.
    /// </summary>
    public void Write(BinaryCopyRows output, long row, ReadOnlySpan<byte> fields, long group, double[][] u, int i, HeldShuffle? held)
    {
        output.StartRow(Columns.Count);
        output.Write(row);
        var position = held?.PositionOf(row) ?? 0;
        var at = 0;
        foreach (var f in _fields)
        {
            if (f.Held >= 0)
            {
                held!.WriteAt(output, position, f.Held);
                continue;
            }
            var length = BinaryPrimitives.ReadInt32BigEndian(fields[at..]);
            var value = fields.Slice(at + 4, Math.Max(length, 0));
            if (f.Noise is { } noise) noise.Write(output, value, length < 0, u, i);
            else output.WriteRaw(value, length < 0);
            at += 4 + value.Length;
        }
        output.Write(group);
    }

    /// <summary>One of QIT's columns: read and passed on, read and perturbed here, or a held permuted value (its ordinal).</summary>
    private sealed record Field(ProcessNoise? Noise, int Held);
}
