using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using Npgsql;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// Shuffles across the table of fixed-width values (numbers, booleans, dates, times) worked out in memory, for a table
/// that is also anatomized: the anatomy's groups table then carries each record's new values, and the published write
/// joins one table of choices less per column (a join of every record, a third of that write). The same permutation as
/// a shuffle written to a table of its own (<see cref="RecordChoices"/>): the record at position p in <c>_row</c> order
/// hands its value to the record at position π(p). The values are read once, in any order, with the kept records'
/// row numbers; 12 bytes a record for the positions and the permutation and 8 a record and column for the values,
/// within a budget — the columns beyond it, and text, are shuffled through a table as before.
/// </summary>
internal sealed class HeldShuffle
{
    private readonly IReadOnlyList<Column> _columns;

    private HeldShuffle(RowSet kept, IReadOnlyList<Column> columns) => (Kept, _columns) = (kept, columns);

    /// <summary>The kept records' row numbers, read with the values (sealed).</summary>
    public RowSet Kept { get; }

    /// <summary>The permuted columns held, by their index among the table's permuted columns.</summary>
    public IEnumerable<int> Indexes => _columns.Select(c => c.Index);

    /// <summary>The choice columns the groups table gets (<see cref="ColumnPermutation.Alias"/>) with their types.</summary>
    public IEnumerable<OutboxColumn> ChoiceColumns => _columns.Select(c => new OutboxColumn(ColumnPermutation.Alias(c.Index), c.Type));

    /// <summary>
    /// The shuffles across the table that fit in <paramref name="budget"/> bytes, for an anatomized table: fixed-width
    /// columns only, by their index among the permuted columns.
    /// </summary>
    public static IReadOnlyList<(ResolvedColumn Column, int Index)> Fitting(AnonymizationRequest r, AnonymizationPlan plan, long budget)
    {
        // Without a count (a preview) the table is small; the row numbers fit in an int (RowSet.MaxSpan).
        var records = Math.Max(r.Rows ?? 0, 1);
        var held = new List<(ResolvedColumn Column, int Index)>();
        foreach (var x in plan.Anatomized is null ? [] : RecordChoices.Across(plan).Where(x => x.Column.Type != FieldType.String))
            // Positions and targets, 4 bytes a record each, the permutation as an array (4 more, RandomPermutation), 8 a column.
            if (records * (12 + 8 * (held.Count + 1)) <= budget) held.Add(x);
        return held;
    }

    /// <summary>Reads the kept records (not in a small class, <paramref name="small"/>) and works out the shuffles of <paramref name="held"/>.</summary>
    public static async Task<HeldShuffle> ReadAsync(NpgsqlConnection conn, AnonymizationRequest r, AnonymizationPlan plan, string? small,
        IReadOnlyList<(ResolvedColumn Column, int Index)> held, CancellationToken ct)
    {
        var kept = new RowSet();

        var p = new SqlParameters();
        var rows = PublishedRows.Reading(r, plan, p, plan.QuasiIdentifiers.Concat(held.Select(x => x.Column.Name)));
        var select = string.Join(", ", held.Select(x => "t." + Sql.Ident(x.Column.Name)).Prepend("t." + Sql.Ident(StagingLayout.RowId)));
        var positions = new int[r.Rows ?? 1024];
        var columns = held.Select(x => new Column(x.Column.Type, x.Index, positions.Length)).ToList();
        var n = 0;
        await using (var cmd = p.Command(conn, $"SELECT {select} FROM {rows.Query} t WHERE {KAnonymityFilter.Kept(small, plan, rows, "t")}"))
        await using (var reader = await cmd.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct))
            while (await reader.ReadAsync(ct))
            {
                if (n == positions.Length)
                {
                    // Only without a count, or when a transformation added rows since it was taken.
                    Array.Resize(ref positions, positions.Length * 2);
                    foreach (var c in columns) c.Grow(positions.Length);
                }
                var row = reader.IsDBNull(0) ? throw RecordChoices.NoRowNumber(r.Table) : reader.GetInt64(0);
                RecordChoices.Keep(r, kept, row);
                positions[n] = (int)row;
                for (var k = 0; k < columns.Count; k++) columns[k].Read(reader, k + 1, n);
                n++;
            }
        kept.Seal();
        // Each record's row number becomes its position; each column's values move to the positions that receive them.
        for (var i = 0; i < n; i++) positions[i] = (int)kept.Rank(positions[i]);
        var targets = new int[n];
        var batch = new long[8192];
        foreach (var (column, x) in columns.Zip(held))
        {
            using var random = RecordChoices.Random(r, ColumnPermutation.Purpose(x.Column.Name));
            var permutation = RandomPermutation.Of(n, random, 0);
            for (var start = 0; start < n; start += batch.Length)
            {
                var m = Math.Min(batch.Length, n - start);
                for (var i = 0; i < m; i++) batch[i] = positions[start + i];
                permutation.Map(batch.AsSpan(0, m));
                for (var i = 0; i < m; i++) targets[start + i] = (int)batch[i];
            }
            column.MoveTo(targets, n);
        }
        return new HeldShuffle(kept, columns);
    }

    /// <summary>Writes the new values of the record <paramref name="row"/>, one per held column.</summary>
    public void Write(BinaryCopyRows output, long row)
    {
        var position = Kept.Rank(row);
        foreach (var c in _columns) c.Write(output, position);
    }

    /// <summary>Where the new values of the record <paramref name="row"/> are (for <see cref="WriteAt"/>).</summary>
    public long PositionOf(long row) => Kept.Rank(row);

    /// <summary>Which of the held columns is the permuted column of index <paramref name="index"/>; −1 when it is not held.</summary>
    public int OrdinalOf(int index) => _columns.Select(c => c.Index).ToList().IndexOf(index);

    /// <summary>Writes the new value at <paramref name="position"/> of the held column <paramref name="ordinal"/> (<see cref="OrdinalOf"/>).</summary>
    public void WriteAt(BinaryCopyRows output, long position, int ordinal) => _columns[ordinal].Write(output, position);

    /// <summary>One column's values as 64 bits each, with a bitmap of NULLs: first in the order read, then by the position that receives them.</summary>
    private sealed class Column(FieldType type, int index, int capacity)
    {
        private long[] _bits = new long[capacity];
        private ulong[] _nulls = new ulong[(capacity + 63) / 64];

        public FieldType Type => type;

        public int Index => index;

        public void Grow(int capacity)
        {
            Array.Resize(ref _bits, capacity);
            Array.Resize(ref _nulls, (capacity + 63) / 64);
        }

        public void Read(NpgsqlDataReader reader, int ordinal, int i)
        {
            if (reader.IsDBNull(ordinal))
            {
                _nulls[i >> 6] |= 1UL << (i & 63);
                return;
            }
            _bits[i] = type switch
            {
                FieldType.Integer => reader.GetInt64(ordinal),
                FieldType.Double => BitConverter.DoubleToInt64Bits(reader.GetDouble(ordinal)),
                FieldType.Boolean => reader.GetBoolean(ordinal) ? 1 : 0,
                FieldType.Date => reader.GetFieldValue<DateOnly>(ordinal).DayNumber,
                FieldType.DateTime => reader.GetFieldValue<DateTime>(ordinal).Ticks,
                _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Text is not held."),
            };
        }

        /// <summary>Moves the value read i-th to position <paramref name="targets"/>[i] (a permutation of 0 … n−1, used up), following its cycles.</summary>
        public void MoveTo(int[] targets, int n)
        {
            for (var i = 0; i < n; i++)
                while (targets[i] != i)
                {
                    var j = targets[i];
                    (_bits[i], _bits[j]) = (_bits[j], _bits[i]);
                    var (ni, nj) = (IsNull(i), IsNull(j));
                    SetNull(i, nj);
                    SetNull(j, ni);
                    (targets[i], targets[j]) = (targets[j], j);
                }
        }

        private bool IsNull(int i) => (_nulls[i >> 6] & (1UL << (i & 63))) != 0;

        private void SetNull(int i, bool value)
        {
            if (value) _nulls[i >> 6] |= 1UL << (i & 63);
            else _nulls[i >> 6] &= ~(1UL << (i & 63));
        }

        public void Write(BinaryCopyRows output, long position)
        {
            var p = (int)position;
            if (IsNull(p))
            {
                output.WriteNull();
                return;
            }
            var bits = _bits[p];
            switch (type)
            {
                case FieldType.Integer: output.Write(bits); break;
                case FieldType.Double: output.Write(BitConverter.Int64BitsToDouble(bits)); break;
                case FieldType.Boolean: output.Write(bits != 0); break;
                case FieldType.Date: output.Write(DateOnly.FromDayNumber((int)bits)); break;
                default: output.Write(new DateTime(bits, DateTimeKind.Utc)); break;
            }
        }
    }
}
