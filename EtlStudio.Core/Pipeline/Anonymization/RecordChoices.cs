using System.Runtime.CompilerServices;
using System.Threading.Channels;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using Npgsql;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// What each kept record publishes that depends on other records or on chance: its anatomy group (<see cref="Anatomy"/>),
/// its permuted values (<see cref="ColumnPermutation"/>) and its noise draws — narrow scratch tables of <c>_row</c> and
/// <c>_anon_…</c> columns, one row per record not in a small class, that the published write joins.
/// <para>
/// The random choices are made in this process, from streams of narrow rows and with memory that does not grow with
/// the records (<see cref="RandomPermutation"/>, <see cref="RowSet"/>): the anatomy reads the records in the table's
/// order (by value when there are many values) and ranks each value's records by a random permutation of their positions; a shuffle across the table sends the
/// value of the record at position p (in <c>_row</c> order) to the record at position π(p). Each stream is written
/// back by binary COPY on a side connection while it is read (without side connections, as in a preview, after it,
/// from memory). Shuffles within equivalence classes are worked out in SQL, by sorting on hashed draws
/// (<see cref="RowDraws"/>). The noise draws ride with the first table. An anatomized table's shuffles of fixed-width
/// values are worked out beforehand, in memory (<see cref="HeldShuffle"/>), and ride with its groups.
/// </para>
/// </summary>
internal sealed class RecordChoices
{
    /// <summary>Rows read and written per batch: one AES call per batch and purpose.</summary>
    private const int Batch = 8192;

    private RecordChoices(IReadOnlyList<(string Table, IReadOnlyList<string> Columns)> parts, long? fewestInAGroup) =>
        (Parts, FewestInAGroup) = (parts, fewestInAGroup);

    /// <summary>
    /// When anatomized and the groups were counted: the fewest records dealt to a group (null when none was). A
    /// value's records land in distinct groups, so once ST's key (group, value) holds, this is the fewest distinct
    /// values in a group of ST — what <see cref="PrivacyReporter.FewestValuesInAGroupAsync"/> measures, without reading ST again.
    /// </summary>
    public long? FewestInAGroup { get; }

    /// <summary>The tables (schema-qualified) with their columns besides <c>_row</c> and the noise draws.</summary>
    public IReadOnlyList<(string Table, IReadOnlyList<string> Columns)> Parts { get; }

    public IEnumerable<string> Tables => Parts.Select(p => p.Table);

    /// <summary>
    /// Every choice column: <c>_anon_vid</c>, <c>_anon_f</c>, <c>_anon_grp</c> when anatomized, <c>_anon_v{n}</c> per
    /// permuted column.
    /// </summary>
    public IEnumerable<string> Columns => Parts.SelectMany(p => p.Columns);

    /// <summary>Whether a table needs the pass: it is permuted or anatomized (perturbation alone hashes in the published write).</summary>
    public static bool Needed(AnonymizationPlan plan) => plan.Permuted.Count > 0 || plan.Anatomized is not null;

    /// <summary>The joins from the staged table (alias <paramref name="s"/>) to the parts (aliases <c>c0</c>, <c>c1</c>) and the columns they give.</summary>
    public (string Joins, IReadOnlyList<string> Columns) Join(IReadOnlyList<string> uniforms)
    {
        var rowId = Sql.Ident(StagingLayout.RowId);
        var joins = string.Concat(Parts.Select((p, i) => $" JOIN {p.Table} c{i} USING ({rowId})"));
        // The draws ride with the first part.
        var columns = uniforms.Select(u => "c0." + u).Concat(Parts.SelectMany((p, i) => p.Columns.Select(c => $"c{i}.{c}"))).ToList();
        return (joins, columns);
    }

    /// <summary>The key of one use of randomness in this process, from the run's seed.</summary>
    internal static KeyedRandom Random(AnonymizationRequest r, string purpose) => KeyedRandom.For(r.Seed, $"{r.Table}/{purpose}");

    /// <summary>Works out the choices of the records not in a small class (<paramref name="small"/>, see <see cref="KAnonymityFilter"/>).</summary>
    /// <param name="held">The shuffles across the table already worked out in memory, when anatomized (<see cref="HeldShuffle"/>).</param>
    /// <param name="countedGroups">The most groups whose records are counted as they are dealt (<see cref="FewestInAGroup"/>), 4 bytes a group.</param>
    /// <param name="st">When given, ST is written there (logged) from the groups as they are dealt (<see cref="Anatomy.HoldsValues"/>).</param>
    /// <param name="qit">
    /// When given, QIT is written into its table (logged) as the records are dealt, and the groups table holds only
    /// the records over the cap (<see cref="DealtQit"/>).
    /// </param>
    public static async Task<RecordChoices> CreateAsync(NpgsqlConnection conn, SideConnections? side, AnonymizationRequest r, AnonymizationPlan plan,
        string? small, Anatomy? anatomy, HeldShuffle? held, long countedGroups, CancellationToken ct, string? st = null, (DealtQit Qit, string Table)? qit = null)
    {
        var across = Across(plan).Where(x => held?.Indexes.Contains(x.Index) != true).ToList();
        var within = Shuffles(plan).Where(x => x.Within).Select(x => (x.Column, x.Index)).ToList();
        // The noise draws, which this process computes: each purpose and the column that holds it.
        var hashed = PublishedRows.For(r, plan, new SqlParameters());
        var uniforms = hashed.UniformPurposes.Zip(hashed.Uniforms).ToList();
        var parts = new List<(string, IReadOnlyList<string>)>();
        var kept = held?.Kept ?? new RowSet();
        var groupSizes = anatomy is not null && anatomy.Groups <= countedGroups ? new int[anatomy.Groups + 1] : null;
        // Records the anatomy rejects (over the cap) are published nowhere, so no shuffle hands their values to others.
        string? underCap = null;

        if (anatomy is not null)
        {
            var table = Sql.Table(r.Schema, Scratch.Name());
            if (anatomy.OverCap) underCap = table;
            await GroupsAsync(conn, side, r, plan, small, anatomy, uniforms, across.Count > 0 && held is null ? kept : null, held, groupSizes, table, st, qit, ct);
            parts.Add((table, [.. Anatomy.ChoiceNames, .. held?.ChoiceColumns.Select(c => c.Name) ?? []]));
        }
        else if (across.Count > 0)
        {
            await KeptAsync(conn, r, plan, small, kept, ct);
        }
        kept.Seal();
        foreach (var (column, index) in across)
        {
            var table = Sql.Table(r.Schema, Scratch.Name());
            await ShuffleAcrossAsync(conn, side, r, plan, small, underCap, column, index, parts.Count == 0 ? uniforms : [], kept, table, ct);
            parts.Add((table, [ColumnPermutation.Alias(index)]));
        }
        if (within.Count > 0)
        {
            var table = Sql.Table(r.Schema, Scratch.Name());
            var withDraws = parts.Count == 0;
            // Beside the step's transaction, like the other choices: the published write reads it on another connection.
            await SideConnections.RunAsync(conn, side, ct, null, (c, t) => ShuffleWithinAsync(c, r, plan, small, underCap, within, withDraws, table, t));
            parts.Add((table, within.Select(x => ColumnPermutation.Alias(x.Index)).ToList()));
        }
        return new RecordChoices(parts, groupSizes is null ? null : groupSizes.Skip(1).Where(n => n > 0).Select(n => (long?)n).Min());
    }

    /// <summary>The permuted columns with their index among them, and whether each is shuffled within equivalence classes.</summary>
    private static IEnumerable<(ResolvedColumn Column, int Index, bool Within)> Shuffles(AnonymizationPlan plan) =>
        // Without quasi-identifiers the whole table is one class.
        plan.Permuted.Select((x, i) => (x.Column, i, x.WithinGroups && plan.QuasiIdentifiers.Count > 0));

    /// <summary>The columns shuffled across the whole table, with their index among the permuted columns.</summary>
    public static IEnumerable<(ResolvedColumn Column, int Index)> Across(AnonymizationPlan plan) =>
        Shuffles(plan).Where(x => !x.Within).Select(x => (x.Column, x.Index));

    /// <summary>The kept records' row numbers, for a shuffle across the table when no anatomy reads them.</summary>
    private static async Task KeptAsync(NpgsqlConnection conn, AnonymizationRequest r, AnonymizationPlan plan, string? small, RowSet kept, CancellationToken ct)
    {
        var p = new SqlParameters();
        var rows = PublishedRows.Reading(r, plan, p, plan.QuasiIdentifiers);
        await using var cmd = p.Command(conn, $"SELECT t.{Sql.Ident(StagingLayout.RowId)} FROM {rows.Query} t WHERE {KAnonymityFilter.Kept(small, plan, rows, "t")}");
        await using var reader = await cmd.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
        while (await reader.ReadAsync(ct)) Keep(r, kept, reader.IsDBNull(0) ? throw NoRowNumber(r.Table) : reader.GetInt64(0));
    }

    /// <summary>A record without a row number (one an Update transformation inserted without it) has no place in a permutation or a group.</summary>
    internal static PipelineFailure NoRowNumber(string table) =>
        new(PipelineStep.Anonymize, $"Table {table}: a record has no row number (_row); rows a transformation adds must be given one.");

    internal static void Keep(AnonymizationRequest r, RowSet kept, long row)
    {
        if (!kept.Add(row))
            throw new PipelineFailure(PipelineStep.Anonymize, $"Table {r.Table}: row number {row} is beyond what a permutation of the table can number (0 to {RowSet.MaxSpan - 1}).");
    }

    /// <summary>
    /// Every kept record's value number, frequency and group (NULL over the cap), with the noise draws: each value's
    /// records, in the order they are read, ranked by a random permutation of their positions; each group's records
    /// counted into <paramref name="groupSizes"/> (by group number) when given.
    /// </summary>
    private static async Task GroupsAsync(NpgsqlConnection conn, SideConnections? side, AnonymizationRequest r, AnonymizationPlan plan, string? small,
        Anatomy anatomy, IReadOnlyList<(string Purpose, string Name)> uniforms, RowSet? kept, HeldShuffle? held, int[]? groupSizes, string table, string? st,
        (DealtQit Qit, string Table)? qit, CancellationToken ct)
    {
        // QIT's columns come as COPY sends them, to be passed on as they are.
        var p = qit is null ? new SqlParameters() : SqlParameters.ForCopy();
        var rows = qit is null ? PublishedRows.Reading(r, plan, p, plan.QuasiIdentifiers.Append(anatomy.Sensitive.Name)) : PublishedRows.Unperturbed(r, plan, p);
        var columns = new List<OutboxColumn> { new(StagingLayout.RowId, FieldType.Integer) };
        columns.AddRange(uniforms.Select(u => new OutboxColumn(u.Name, FieldType.Double)));
        columns.AddRange(Anatomy.ChoiceNames.Select(n => new OutboxColumn(n, FieldType.Integer)));
        columns.AddRange(held?.ChoiceColumns ?? []);
        using var random = Random(r, Anatomy.Purpose(anatomy.Sensitive.Name));
        using var draws = new Draws(r, uniforms.Select(u => u.Purpose));
        var rankings = new Rankings(random, anatomy.SortedByValue);
        // The order the records come in is their position within their value: one plan, one process, no parallel scan
        // starting elsewhere, so the same table and seed give the same groups.
        await using var serial = await SessionSetting.SetAsync(conn, "max_parallel_workers_per_gather", "0", ct);
        await using var fromStart = await SessionSetting.SetAsync(conn, "synchronize_seqscans", "off", ct);
        List<PipeTarget> targets = [new(table, columns)];
        if (st is not null) targets.Add(new(st, anatomy.StTableColumns, Published: true));
        if (qit is { } q) targets.Add(new(q.Table, q.Qit.Columns, Published: true));
        await PipeAsync(conn, side, r.Table, p, anatomy.Records(p, plan, rows, small, qit?.Qit.Read), targets, 4, false, input =>
        {
            var (row, vid, f, start) = (input.Longs[0], input.Longs[1], input.Longs[2], input.Longs[3]);
            var n = input.Count;
            var rank = rankings.Rank(vid, f, n);
            var u = draws.For(row, n);
            // Each record's group, 0 over the cap.
            var group = new long[n];
            for (var i = 0; i < n; i++)
                if (anatomy.Group(start[i], rank[i] + 1) is { } g)
                {
                    group[i] = g;
                    if (groupSizes is not null) groupSizes[g]++;
                    if (kept is not null) Keep(r, kept, row[i]);
                }
            Action<BinaryCopyRows> choices = output =>
            {
                for (var i = 0; i < n; i++)
                {
                    // With QIT dealt, only the records over the cap, for their rejects.
                    if (qit is not null && group[i] > 0) continue;
                    output.StartRow(columns.Count);
                    output.Write(row[i]);
                    foreach (var d in u) output.Write(d[i]);
                    output.Write(vid[i]);
                    output.Write(f[i]);
                    if (group[i] > 0) output.Write(group[i]);
                    else output.WriteNull();
                    held?.Write(output, row[i]);
                }
            };
            List<Action<BinaryCopyRows>> writes = [choices];
            if (st is not null)
                writes.Add(output =>
                {
                    for (var i = 0; i < n; i++)
                        if (group[i] > 0) anatomy.WriteStRow(output, group[i], vid[i]);
                });
            if (qit is { Qit: var dealt })
                writes.Add(output =>
                {
                    for (var i = 0; i < n; i++)
                        if (group[i] > 0) dealt.Write(output, row[i], input.Raw(i), group[i], u, i, held);
                    input.ReturnRaw();
                });
            return [.. writes];
        }, ct, copyOut: qit is not null);
    }

    /// <summary>
    /// Each value's ranking of its records: the next record of a value takes the next position, which a random
    /// permutation of the value's f positions (keyed by the value's number) turns into its rank. When the records come
    /// sorted by value only the current value's ranking is held; shuffles kept as arrays are held up to a budget
    /// (64 MB), beyond which a value's ranking is enciphered (<see cref="RandomPermutation"/>).
    /// </summary>
    private sealed class Rankings(KeyedRandom random, bool sorted)
    {
        private const long ArrayBudget = 1 << 24;
        private readonly Dictionary<long, (RandomPermutation Permutation, long Next)> _values = [];
        private long _held;

        public long[] Rank(long[] vid, long[] f, int n)
        {
            var rank = new long[n];
            // Enciphered rankings take a value's positions of the batch in one call (one AES call a round).
            Dictionary<long, List<int>>? enciphered = null;
            for (var i = 0; i < n; i++)
            {
                if (!_values.TryGetValue(vid[i], out var value))
                {
                    if (sorted) Release();
                    var limit = Math.Min(RandomPermutation.InMemoryLimit, ArrayBudget - _held);
                    value = (RandomPermutation.Of(f[i], random, (ulong)vid[i], limit), 0);
                    if (f[i] <= limit) _held += f[i];
                }
                rank[i] = value.Next++;
                _values[vid[i]] = value;
                if (!value.Permutation.Enciphered) value.Permutation.Map(rank.AsSpan(i, 1));
                else
                {
                    enciphered ??= [];
                    if (!enciphered.TryGetValue(vid[i], out var at)) enciphered[vid[i]] = at = [];
                    at.Add(i);
                }
            }
            foreach (var (v, at) in enciphered ?? [])
            {
                var positions = at.Select(i => rank[i]).ToArray();
                _values[v].Permutation.Map(positions);
                for (var k = 0; k < at.Count; k++) rank[at[k]] = positions[k];
            }
            return rank;
        }

        private void Release()
        {
            _values.Clear();
            _held = 0;
        }
    }

    /// <summary>
    /// A shuffle of one column across the table: the record at position p in <c>_row</c> order hands its value to the
    /// record at position π(p), π a random permutation of the kept records' positions; with the noise draws of the
    /// record that receives it when <paramref name="uniforms"/> are given.
    /// </summary>
    private static async Task ShuffleAcrossAsync(NpgsqlConnection conn, SideConnections? side, AnonymizationRequest r, AnonymizationPlan plan, string? small,
        string? underCap, ResolvedColumn column, int index, IReadOnlyList<(string Purpose, string Name)> uniforms, RowSet kept, string table, CancellationToken ct)
    {
        var p = new SqlParameters();
        var rows = PublishedRows.Reading(r, plan, p, plan.QuasiIdentifiers.Append(column.Name));
        var columns = new List<OutboxColumn> { new(StagingLayout.RowId, FieldType.Integer) };
        columns.AddRange(uniforms.Select(u => new OutboxColumn(u.Name, FieldType.Double)));
        columns.Add(new(ColumnPermutation.Alias(index), column.Type));
        using var random = Random(r, ColumnPermutation.Purpose(column.Name));
        var permutation = RandomPermutation.Of(kept.Count, random, 0);
        using var draws = new Draws(r, uniforms.Select(u => u.Purpose));
        var select = $"SELECT t.{Sql.Ident(StagingLayout.RowId)}, t.{Sql.Ident(column.Name)} FROM {rows.Query} t WHERE {KAnonymityFilter.Kept(small, plan, rows, "t")}{UnderCap(underCap, "t")}";
        await PipeAsync(conn, side, r.Table, p, select, table, columns, 1, true, input =>
        {
            var n = input.Count;
            var target = new long[n];
            for (var i = 0; i < n; i++) target[i] = kept.Rank(input.Longs[0][i]);
            permutation.Map(target.AsSpan(0, n));
            for (var i = 0; i < n; i++) target[i] = kept.Select(target[i]);
            var u = draws.For(target, n);
            var values = input.Values!;
            return output =>
            {
                for (var i = 0; i < n; i++)
                {
                    output.StartRow(columns.Count);
                    output.Write(target[i]);
                    foreach (var d in u) output.Write(d[i]);
                    output.Write(values[i], column.Type);
                }
            };
        }, ct);
    }

    /// <summary>A further condition on rows (alias <paramref name="t"/>) when anatomy rejects some: dealt to a group in <paramref name="groups"/>.</summary>
    private static string UnderCap(string? groups, string t) => groups is null ? ""
        : $" AND EXISTS (SELECT 1 FROM {groups} g WHERE g.{Sql.Ident(StagingLayout.RowId)} = {t}.{Sql.Ident(StagingLayout.RowId)} AND g._anon_grp IS NOT NULL)";

    /// <summary>The noise draws of records: one uniform number in (0, 1) per purpose, keyed by the record's <c>_row</c>.</summary>
    private sealed class Draws(AnonymizationRequest r, IEnumerable<string> purposes) : IDisposable
    {
        private readonly KeyedRandom[] _random = purposes.Select(x => Random(r, "uniform/" + x)).ToArray();

        public double[][] For(long[] rows, int n) => _random.Select(k =>
        {
            var u = new double[n];
            k.Uniforms(rows.AsSpan(0, n), u);
            return u;
        }).ToArray();

        public void Dispose()
        {
            foreach (var k in _random) k.Dispose();
        }
    }

    /// <summary>
    /// A batch of rows read: the first columns as bigints, column by column, and optionally one more of any type — or,
    /// read by COPY, the rest of each row as it was sent (<see cref="Raw"/>).
    /// </summary>
    private sealed class Rows(int longs, bool value)
    {
        /// <summary>What a batch's fields took last (they are alike from batch to batch), to take the buffer at that size at once.</summary>
        private static int s_rawSize = 1 << 16;

        private byte[] _raw = [];
        private int[]? _rawAt;

        public long[][] Longs { get; } = Enumerable.Range(0, longs).Select(_ => new long[Batch]).ToArray();
        public object?[]? Values { get; } = value ? new object?[Batch] : null;
        public int Count { get; set; }

        /// <summary>The fields after the bigints of row <paramref name="i"/>, each with its length, as COPY sent them.</summary>
        public ReadOnlySpan<byte> Raw(int i) => _raw.AsSpan(_rawAt![i], _rawAt[i + 1] - _rawAt[i]);

        /// <summary>Keeps the fields of the row being added (the <see cref="Count"/>th, counted already).</summary>
        public void AddRaw(ReadOnlySpan<byte> fields)
        {
            _rawAt ??= new int[Batch + 1];
            var i = Count - 1;
            var at = _rawAt[i];
            if (_raw.Length < at + fields.Length)
            {
                // From the shared pool (a batch's fields are a megabyte or so, and a new one for every batch keeps the
                // collector busy): given back by the one that writes them (ReturnRaw), or collected if it never does.
                var grown = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(Math.Max(_raw.Length * 2, s_rawSize + s_rawSize / 8), at + fields.Length));
                _raw.AsSpan(0, at).CopyTo(grown);
                if (_raw.Length > 0) System.Buffers.ArrayPool<byte>.Shared.Return(_raw);
                _raw = grown;
            }
            fields.CopyTo(_raw.AsSpan(at));
            _rawAt[i + 1] = at + fields.Length;
            if (Count == Batch) s_rawSize = _rawAt[i + 1];
        }

        /// <summary>Gives the fields' buffer back to the pool, once the last that reads them has written them.</summary>
        public void ReturnRaw()
        {
            if (_raw.Length > 0) System.Buffers.ArrayPool<byte>.Shared.Return(_raw);
            _raw = [];
        }
    }

    /// <summary>
    /// Reads <paramref name="select"/> on <paramref name="conn"/> in batches — its first <paramref name="longs"/> columns
    /// bigints, then one of any type when <paramref name="value"/> — hands each batch, in order, to
    /// <paramref name="choose"/>, and writes the rows each action it returns writes into a new table <paramref name="target"/> of
    /// <paramref name="columns"/> by binary COPY: on a side connection while reading, or, without side connections, after.
    /// </summary>
    private static Task PipeAsync(NpgsqlConnection conn, SideConnections? side, string table, SqlParameters p, string select, string target,
        IReadOnlyList<OutboxColumn> columns, int longs, bool value, Func<Rows, Action<BinaryCopyRows>> choose, CancellationToken ct) =>
        PipeAsync(conn, side, table, p, select, [new PipeTarget(target, columns)], longs, value, input => [choose(input)], ct);

    /// <summary>A table a pipe writes: its columns, and whether it is published (logged, analyzed by the outbox step) rather than scratch.</summary>
    private sealed record PipeTarget(string Table, IReadOnlyList<OutboxColumn> Columns, bool Published = false);

    /// <summary>As above, into several tables at once, each by a COPY of its own: <paramref name="choose"/> gives one action a table.</summary>
    /// <param name="copyOut">
    /// Whether <paramref name="select"/> (with <paramref name="p"/> made by <see cref="SqlParameters.ForCopy"/>) is run by
    /// COPY, the fields after the bigints kept as sent (<see cref="Rows.Raw"/>); <paramref name="value"/> is then false.
    /// </param>
    private static async Task PipeAsync(NpgsqlConnection conn, SideConnections? side, string table, SqlParameters p, string select,
        IReadOnlyList<PipeTarget> targets, int longs, bool value, Func<Rows, Action<BinaryCopyRows>[]> choose, CancellationToken ct, bool copyOut = false)
    {
        var channels = targets.Select(_ => side is null ? Channel.CreateUnbounded<Action<BinaryCopyRows>>() : Channel.CreateBounded<Action<BinaryCopyRows>>(4)).ToArray();
        async Task ReadAsync(NpgsqlConnection c, CancellationToken t)
        {
            try
            {
                var input = new Rows(longs, value);
                // Each row read is added to the batch, which goes to the writers once full, and the last once the rows end.
                async Task AddedAsync(bool more)
                {
                    if (input.Count == Batch || (!more && input.Count > 0))
                    {
                        var writes = choose(input);
                        for (var k = 0; k < channels.Length; k++) await channels[k].Writer.WriteAsync(writes[k], t);
                        input = new Rows(longs, value);
                    }
                }
                if (copyOut)
                    await p.CopyOutAsync(c, select, async stream =>
                    {
                        var reader = new BinaryCopyReader(stream);
                        while (await reader.ReadAsync(t))
                        {
                            var i = input.Count++;
                            for (var k = 0; k < longs; k++)
                                input.Longs[k][i] = reader.IsNull(k) ? throw (k == 0 ? NoRowNumber(table) : new InvalidOperationException($"Table {table}: no value number for a record.")) : reader.Int64(k);
                            input.AddRaw(reader.Fields(longs));
                            if (input.Count == Batch) await AddedAsync(true);
                        }
                        await AddedAsync(false);
                    }, t);
                else
                {
                    await using var cmd = p.Command(c, select);
                    await using var reader = await cmd.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, t);
                    while (true)
                    {
                        var more = await reader.ReadAsync(t);
                        if (more)
                        {
                            var i = input.Count++;
                            if (reader.IsDBNull(0)) throw NoRowNumber(table);
                            for (var k = 0; k < longs; k++) input.Longs[k][i] = reader.GetInt64(k);
                            if (value) input.Values![i] = reader.IsDBNull(longs) ? null : reader.GetValue(longs);
                        }
                        await AddedAsync(more);
                        if (!more) break;
                    }
                }
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
        // Each batch's rows are written into one buffer, sent before the next batch is written into it.
        static async IAsyncEnumerable<BinaryCopyRows> Encoded(Channel<Action<BinaryCopyRows>> batches, [EnumeratorCancellation] CancellationToken t)
        {
            var output = new BinaryCopyRows(Batch * 64);
            await foreach (var write in batches.Reader.ReadAllAsync(t))
            {
                output.Clear();
                write(output);
                yield return output;
            }
        }
        var writers = Enumerable.Range(0, targets.Count).Select(Writer).ToArray();
        if (side is null)
        {
            await ReadAsync(conn, ct);
            foreach (var write in writers) await write(conn, ct);
        }
        else await SideConnections.RunAsync(conn, side, ct, ReadAsync, writers);
    }

    /// <summary>
    /// A shuffle within equivalence classes: records are numbered in <c>_row</c> order within their class, each permuted
    /// column's values in a random order (a hashed draw), and the join on (class, slot) hands record i value i. Classes
    /// are numbered by dense_rank, so the join stays a hash join where quasi-identifiers are NULL (PARTITION BY and
    /// ORDER BY treat NULLs as equal).
    /// </summary>
    private static Task ShuffleWithinAsync(NpgsqlConnection conn, AnonymizationRequest r, AnonymizationPlan plan, string? small, string? underCap,
        IReadOnlyList<(ResolvedColumn Column, int Index)> permuted, bool withDraws, string table, CancellationToken ct)
    {
        var p = new SqlParameters();
        var rows = PublishedRows.For(r, plan, p);
        var rowId = Sql.Ident(StagingLayout.RowId);
        var qi = string.Join(", ", plan.QuasiIdentifiers.Select(Sql.Ident));
        var kept = $"(SELECT * FROM {rows.Query} s WHERE {KAnonymityFilter.Kept(small, plan, rows, "s")}{UnderCap(underCap, "s")})";
        var draws = withDraws ? rows.Uniforms : [];

        var baseColumns = new List<string> { "s." + rowId };
        baseColumns.AddRange(draws.Select(u => "s." + u));
        baseColumns.Add($"row_number() OVER (PARTITION BY {qi} ORDER BY {rowId}) AS _anon_class_slot");
        baseColumns.Add($"dense_rank() OVER (ORDER BY {qi}) AS _anon_class");
        var from = new List<string> { $"(SELECT {string.Join(", ", baseColumns)} FROM {kept} s) t" };
        var select = new List<string> { "t." + rowId };
        select.AddRange(draws.Select(u => "t." + u));
        foreach (var (column, index) in permuted)
        {
            var a = "p" + index;
            // The draw's bits order as its uniform number would.
            var order = $"ORDER BY {rows.Draw(ColumnPermutation.Purpose(column.Name))}, {rowId}";
            from.Add($"JOIN (SELECT {Sql.Ident(column.Name)} AS v, row_number() OVER (PARTITION BY {qi} {order}) AS slot, dense_rank() OVER (ORDER BY {qi}) AS class FROM {kept} s) {a} "
                + $"ON {a}.class = t._anon_class AND {a}.slot = t._anon_class_slot");
            select.Add($"{a}.v AS {ColumnPermutation.Alias(index)}");
        }
        return p.ExecuteAsync(conn, $"CREATE UNLOGGED TABLE {table} {Sql.Working} AS SELECT {string.Join(", ", select)} FROM {string.Join(" ", from)}; ANALYZE {table}", ct);
    }
}
