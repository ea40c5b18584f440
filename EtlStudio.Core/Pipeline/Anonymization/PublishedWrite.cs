using Npgsql;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// The last phase of a rewritten table: the published table (or QIT and ST), each written once and logged from the
/// published rows and the records' choices, keyed where the outbox step expects it, then given the table's place.
/// </summary>
internal sealed class PublishedWrite(TableScope s, RecordChoices? choices)
{
    /// <summary>The scratch table a table without anatomy is written into.</summary>
    public string Main { get; } = Sql.Table(s.Request.Schema, Scratch.Name());

    /// <summary>Writes the published table (without anatomization) into <paramref name="target"/>: the kept records, permuted.</summary>
    public Task WriteTableAsync(string target, CancellationToken ct)
    {
        var (r, plan) = (s.Request, s.Plan);
        var p = new SqlParameters();
        var permutation = new ColumnPermutation(plan);
        // The choices hold exactly the kept records, so joining them leaves the small classes out.
        var rows = choices is null ? PublishedRows.For(r, plan, p) : PublishedRows.For(r, plan, p, choices);
        var values = rows.Columns.Select(c => permutation.Value(c.Name, "t")).Prepend("t." + Sql.Ident(StagingLayout.RowId));
        var where = choices is null ? $" WHERE {KAnonymityFilter.Kept(s.Small, plan, rows, "t")}" : "";
        return TableRebuild.FillAsync(s.Connection, target, [new(StagingLayout.RowId, Scripts.FieldType.Integer), .. rows.Columns],
            $"SELECT {string.Join(", ", values)} FROM {rows.Query} t{where}", p, ct, logged: true);
    }

    /// <summary>
    /// Writes QIT and ST (unless the dealing pass wrote them) beside each other and the rejects of the records over
    /// the cap, keys both, and measures the l reached unless it was counted. Returns the records over the cap and that l.
    /// </summary>
    public async Task<(long OverCap, long? Fewest)> WriteAnatomyAsync(Anatomy anatomy, AnatomyTables tables, AnonymizationStrategy strategy, CancellationToken ct)
    {
        var (r, plan) = (s.Request, s.Plan);
        var overCap = await Anatomy.OverCapAsync(s.Connection, choices!, ct);
        long overCapRejected = 0;
        long? fewest = null;
        await SideConnections.RunAsync(s.Connection, s.Side, ct,
            overCap ? async (c, t) => overCapRejected = await anatomy.RejectAsync(c, r, choices!, t) : null,
            strategy.Qit == AnonymizationStrategy.Writing.Query
                ? (c, t) => anatomy.WriteQitAsync(c, r, plan, choices!, new ColumnPermutation(plan), tables.Qit, t)
                // Written already: keyed beside ST's key (the outbox step finds it made), instead of alone after.
                : (c, t) => KeyAsync(c, tables.Qit, t),
            async (c, t) =>
            {
                // ST is keyed while QIT is still being written (the outbox step finds the key made). Its key, (group,
                // value) in one number, holds only if no group got a value twice, so the groups' records as counted when
                // dealt are their distinct values.
                if (strategy.St == AnonymizationStrategy.Writing.Query) await anatomy.WriteStAsync(c, choices!, tables.St, t);
                await KeyAsync(c, tables.St, t);
                fewest = choices!.FewestInAGroup ?? await PrivacyReporter.FewestValuesInAGroupAsync(c, tables.St, t);
            });
        return (overCapRejected, fewest);
    }

    /// <summary>Gives QIT and ST their names in place of the staged table, their keys named after them; returns the names.</summary>
    public async Task<(string Qit, string St)> PlaceAnatomyAsync(string staged, AnatomyTables tables, CancellationToken ct)
    {
        var r = s.Request;
        var qitName = r.Table + AnonymizationPlan.QitSuffix;
        var stName = r.Table + AnonymizationPlan.StSuffix;
        // A retry after a crash may find the previous attempt's outputs; the input table was re-created, so replace them.
        await new SqlParameters().ExecuteAsync(s.Connection, $"DROP TABLE IF EXISTS {Sql.Table(r.Schema, qitName)}, {Sql.Table(r.Schema, stName)}", ct);
        await PlaceAsync(staged, tables.Qit, qitName, ct);
        await PlaceAsync(null, tables.St, stName, ct);
        await KeyNameAsync(stName, ct);
        await KeyNameAsync(qitName, ct);
        return (qitName, stName);
    }

    /// <summary>Drops <paramref name="replaced"/> (when given) and gives the written table its name.</summary>
    public Task PlaceAsync(string? replaced, string written, string name, CancellationToken ct) =>
        new SqlParameters().ExecuteAsync(s.Connection, $"{(replaced is null ? "" : $"DROP TABLE {replaced};")} ALTER TABLE {written} RENAME TO {Sql.Ident(name)}", ct);

    private static Task KeyAsync(NpgsqlConnection conn, string table, CancellationToken ct) =>
        new SqlParameters().ExecuteAsync(conn, $"ALTER TABLE {table} ADD PRIMARY KEY ({Sql.Ident(StagingLayout.RowId)})", ct);

    /// <summary>Names the key of the table <paramref name="name"/> after it (it was named after the scratch table).</summary>
    private async Task KeyNameAsync(string name, CancellationToken ct)
    {
        var table = Sql.Table(s.Request.Schema, name);
        var p = new SqlParameters();
        var key = await p.ScalarAsync<string>(s.Connection, $"SELECT conname FROM pg_constraint WHERE conrelid = {p.Add(table)}::regclass AND contype = 'p'", ct);
        if (key is not null) await new SqlParameters().ExecuteAsync(s.Connection, $"ALTER TABLE {table} RENAME CONSTRAINT {Sql.Ident(key)} TO {Sql.Ident(name + "_pkey")}", ct);
    }
}
