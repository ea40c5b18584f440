using Npgsql;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// The anonymization step of one staged table (DESIGN §5.6), all in set-based SQL inside PostgreSQL. Generalization,
/// value suppression and perturbation are expressions over the staged table (<see cref="PublishedRows"/>), applied
/// by the table's one write; k-anonymity finds the small classes of the published quasi-identifiers and leaves their
/// records out; permutation, anatomization and the noise draws are worked out on narrow data
/// (<see cref="RecordChoices"/>); then the published table (or QIT and ST) is written once, logged, and the privacy
/// report measures it. Stateless; the caller owns the connection (and any transaction). Every random choice derives from <see cref="AnonymizationRequest.Seed"/>.
/// </summary>
/// <param name="heldValuesBudget">
/// The memory this process may take to shuffle fixed-width values of an anatomized table itself (<see cref="HeldShuffle"/>);
/// 0 shuffles them through tables of their own, as text always is.
/// </param>
/// <param name="countedGroups">
/// The most anatomy groups whose records this process counts as it deals them, for the l reached (4 bytes a group);
/// with more, or 0, ST is measured by a query.
/// </param>
/// <param name="stValuesHeld">
/// The most distinct sensitive values this process holds by number to write ST as the records are dealt to groups;
/// with more, or 0, ST is written by a query after.
/// </param>
/// <param name="qitDealt">
/// Whether QIT may be written as the records are dealt to groups (<see cref="DealtQit"/>), where the table allows it;
/// false writes it by a query after.
/// </param>
public sealed class TableAnonymizer(long heldValuesBudget = TableAnonymizer.HeldValuesBudget, long countedGroups = TableAnonymizer.CountedGroups,
    long stValuesHeld = Anatomy.ValuesHeldAtOnce, bool qitDealt = true)
{
    /// <summary>Memory per sort or hash while the step runs; a few of them at once, one step per connection.</summary>
    private const string WorkMemory = "64MB";

    /// <summary>The default <c>heldValuesBudget</c>: 64 MB, three million records for one column.</summary>
    public const long HeldValuesBudget = 64L << 20;

    /// <summary>The default <c>countedGroups</c>: 8 M groups, 32 MB.</summary>
    public const long CountedGroups = 8L << 20;

    /// <param name="side">
    /// Connections for the phases that do not depend on each other, to run them at the same time; then the table must
    /// be committed, as the engine's steps leave it. Without them every phase runs on <paramref name="conn"/>.
    /// </param>
    public async Task<AnonymizationResult> ApplyAsync(NpgsqlConnection conn, AnonymizationRequest request, CancellationToken ct, SideConnections? side = null)
    {
        var plan = AnonymizationPlan.For(request);
        await using var memory = await SessionSetting.RaiseAsync(conn, "work_mem", WorkMemory, ct);
        await AnonymizationRejects.ClearAsync(conn, request, ct);
        var table = Sql.Table(request.Schema, request.Table);
        var rowsIn = request.Rows ?? 0;
        string? small = null;
        await SideConnections.RunAsync(conn, side, ct,
            request.Rows is not null ? null : async (c, t) => rowsIn = await new SqlParameters().ScalarAsync<long>(c, $"SELECT count(*) FROM {table}", t),
            plan.K is not null && plan.QuasiIdentifiers.Count > 0 ? async (c, t) => small = await KAnonymityFilter.SmallClassesAsync(c, request, plan, t) : null);
        var scratch = small is null ? new List<string>() : [small];
        var published = PublishedRows.For(request, plan, new SqlParameters()).Columns;

        if (plan.RowLocal.Count == 0 && plan.Permuted.Count == 0 && plan.Anatomized is null)
        {
            // Nothing rewrites the values: the small classes' records leave the table in place.
            var removed = small is null ? 0 : await KAnonymityFilter.DeleteAsync(conn, request, plan, small, ct);
            await DropAsync(conn, scratch, ct);
            var kept = await PrivacyReporter.ReportAsync(conn, request, plan, request.Table, removed, ct);
            return new([new OutboxTable(request.Table, request.Ordinal, published, request.PrimaryKey, request.Table)], rowsIn, rowsIn - removed, removed, kept);
        }

        // What each record publishes that depends on others or on chance, worked out on narrow data after the value
        // histogram (when anatomized) and the shuffles held in memory; the small classes' records are filed as rejects meanwhile.
        long suppressed = 0;
        Anatomy? anatomy = null;
        HeldShuffle? held = null;
        RecordChoices? choices = null;
        var overCap = false;
        await SideConnections.RunAsync(conn, side, ct,
            small is null ? null : async (c, t) => suppressed = await KAnonymityFilter.RejectAsync(c, request, plan, small, t),
            plan.Anatomized is null ? null : async (c, t) => anatomy = await Anatomy.PrepareAsync(c, request, plan, small, stValuesHeld, t),
            plan.Anatomized is null || !RecordChoices.Across(plan).Any() ? null : async (c, t) => held = await HeldShuffle.TryAsync(c, request, plan, small, heldValuesBudget, t));
        if (anatomy is not null) scratch.AddRange(anatomy.Scratch);
        // The held shuffles were worked out over every kept record; records the anatomy rejects must not take part, so
        // with some over the cap the shuffles go through tables of their own, after the groups are dealt.
        if (anatomy?.OverCap == true) held = null;
        var st = anatomy is null ? null : Sql.Table(request.Schema, Scratch.Name());
        var stDealt = anatomy?.HoldsValues == true;
        var main = Sql.Table(request.Schema, Scratch.Name());
        var dealt = anatomy is not null && qitDealt ? DealtQit.TryFor(request, plan, anatomy, held) : null;
        if (RecordChoices.Needed(plan))
        {
            choices = await RecordChoices.CreateAsync(conn, side, request, plan, small, anatomy, held, countedGroups, ct, stDealt ? st : null,
                dealt is null ? null : (dealt, main));
            scratch.AddRange(choices.Tables);
            if (anatomy is not null) overCap = await Anatomy.OverCapAsync(conn, choices, ct);
        }
        var permutation = new ColumnPermutation(plan);

        // The published tables, each written once and logged, beside each other (unless written as the groups were
        // dealt); then they take the table's place.
        long overCapRejected = 0;
        long? fewest = null;
        await SideConnections.RunAsync(conn, side, ct,
            overCap ? async (c, t) => overCapRejected = await anatomy!.RejectAsync(c, request, choices!, t) : null,
            anatomy is null ? (c, t) => WriteAsync(c, request, plan, choices, permutation, small, main, t)
                : dealt is null ? (c, t) => anatomy.WriteQitAsync(c, request, plan, choices!, permutation, main, t)
                // Written already: keyed beside ST's key (the outbox step finds it made), instead of alone after.
                : (c, t) => new SqlParameters().ExecuteAsync(c, $"ALTER TABLE {main} ADD PRIMARY KEY ({Sql.Ident(StagingLayout.RowId)})", t),
            anatomy is not null ? async (c, t) =>
            {
                // ST (unless written as the groups were dealt) takes about half QIT's time, and QIT's last part is its
                // leader's alone: ST is keyed meanwhile (the outbox step finds the key made). Its key, (group, value) in
                // one number, holds only if no group got a value twice, so the groups' records as counted when dealt
                // are their distinct values.
                if (!stDealt) await anatomy.WriteStAsync(c, choices!, st!, t);
                await new SqlParameters().ExecuteAsync(c, $"ALTER TABLE {st} ADD PRIMARY KEY ({Sql.Ident(StagingLayout.RowId)})", t);
                fewest = choices!.FewestInAGroup ?? await PrivacyReporter.FewestValuesInAGroupAsync(c, st!, t);
            } : null);

        var rejected = suppressed + overCapRejected;
        if (anatomy is null)
        {
            await PlaceAsync(conn, table, main, request.Table, ct);
            await DropAsync(conn, scratch, ct);
            var report = await PrivacyReporter.ReportAsync(conn, request, plan, request.Table, suppressed, ct);
            return new([new OutboxTable(request.Table, request.Ordinal, published, request.PrimaryKey, request.Table)], rowsIn, rowsIn - rejected, rejected, report);
        }
        var qitName = request.Table + AnonymizationPlan.QitSuffix;
        var stName = request.Table + AnonymizationPlan.StSuffix;
        // A retry after a crash may find the previous attempt's outputs; the input table was re-created, so replace them.
        await new SqlParameters().ExecuteAsync(conn, $"DROP TABLE IF EXISTS {Sql.Table(request.Schema, qitName)}, {Sql.Table(request.Schema, stName)}", ct);
        await PlaceAsync(conn, table, main, qitName, ct);
        await PlaceAsync(conn, null, st!, stName, ct);
        await KeyNameAsync(conn, request.Schema, stName, ct);
        await KeyNameAsync(conn, request.Schema, qitName, ct);
        await DropAsync(conn, scratch, ct);
        var split = await PrivacyReporter.ReportAsync(conn, request, plan, qitName, suppressed, ct, fewest);
        return new([new OutboxTable(qitName, request.Ordinal, anatomy.QitColumns(published), request.PrimaryKey, request.Table),
                    new OutboxTable(stName, request.Ordinal, anatomy.StColumns, null, request.Table)], rowsIn, rowsIn - rejected, rejected, split);
    }

    /// <summary>Writes the published table (without anatomization) into <paramref name="target"/>: the kept records, permuted.</summary>
    private static Task WriteAsync(NpgsqlConnection conn, AnonymizationRequest r, AnonymizationPlan plan, RecordChoices? choices, ColumnPermutation permutation,
        string? small, string target, CancellationToken ct)
    {
        var p = new SqlParameters();
        // The choices hold exactly the kept records, so joining them leaves the small classes out.
        var rows = choices is null ? PublishedRows.For(r, plan, p) : PublishedRows.For(r, plan, p, choices);
        var values = rows.Columns.Select(c => permutation.Value(c.Name, "t")).Prepend("t." + Sql.Ident(StagingLayout.RowId));
        var where = choices is null ? $" WHERE {KAnonymityFilter.Kept(small, plan, rows, "t")}" : "";
        return TableRebuild.FillAsync(conn, target, [new(StagingLayout.RowId, Scripts.FieldType.Integer), .. rows.Columns],
            $"SELECT {string.Join(", ", values)} FROM {rows.Query} t{where}", p, ct, logged: true);
    }

    /// <summary>Names the key of the table <paramref name="name"/> after it (it was named after the scratch table).</summary>
    private static async Task KeyNameAsync(NpgsqlConnection conn, string schema, string name, CancellationToken ct)
    {
        var table = Sql.Table(schema, name);
        var p = new SqlParameters();
        var key = await p.ScalarAsync<string>(conn, $"SELECT conname FROM pg_constraint WHERE conrelid = {p.Add(table)}::regclass AND contype = 'p'", ct);
        if (key is not null) await new SqlParameters().ExecuteAsync(conn, $"ALTER TABLE {table} RENAME CONSTRAINT {Sql.Ident(key)} TO {Sql.Ident(name + "_pkey")}", ct);
    }

    /// <summary>Drops <paramref name="replaced"/> (when given) and gives the written table its name.</summary>
    private static Task PlaceAsync(NpgsqlConnection conn, string? replaced, string written, string name, CancellationToken ct) =>
        new SqlParameters().ExecuteAsync(conn, $"{(replaced is null ? "" : $"DROP TABLE {replaced};")} ALTER TABLE {written} RENAME TO {Sql.Ident(name)}", ct);

    private static Task DropAsync(NpgsqlConnection conn, IReadOnlyCollection<string> tables, CancellationToken ct) =>
        tables.Count == 0 ? Task.CompletedTask : new SqlParameters().ExecuteAsync(conn, $"DROP TABLE {string.Join(", ", tables)}", ct);
}
