using Microsoft.Extensions.Options;
using Npgsql;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// The anonymization of one staged table (<c>docs/architecture.md#anonymization</c>; this folder's <c>README.md</c>).
/// Generalization, value suppression and perturbation are expressions over the staged table (<see cref="PublishedRows"/>),
/// applied by the table's one write; k-anonymity finds the small classes of the published quasi-identifiers and leaves
/// their records out; permutation, anatomization and the noise draws are worked out on narrow data
/// (<see cref="RecordChoices"/>); then the published table (or QIT and ST) is written once, logged, and the privacy
/// report measures it. How each phase runs is chosen once (<see cref="StrategyChoice"/>) and returned with the result;
/// <see cref="ReferenceAnonymizer"/> publishes the same in plain SQL. Stateless; the caller owns the connection (and any
/// transaction). Every random choice derives from <see cref="AnonymizationRequest.Seed"/>.
/// </summary>
public sealed class TableAnonymizer(IOptions<AnonymizationOptions> options)
{
    /// <summary>Memory per sort or hash while the step runs; a few of them at once, one step per connection.</summary>
    private const string WorkMemory = "64MB";

    private readonly AnonymizationOptions _options = options.Value;

    /// <summary>With the default options.</summary>
    public TableAnonymizer() : this(Options.Create(new AnonymizationOptions())) { }

    /// <summary>With the given options, as a test or a tool sets them.</summary>
    public static TableAnonymizer With(AnonymizationOptions options) => new(Options.Create(options));

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
        var scope = new TableScope(conn, side, request, plan, small);
        var published = PublishedRows.For(request, plan, new SqlParameters()).Columns;

        if (StrategyChoice.InPlace(plan))
        {
            // Nothing rewrites the values: the small classes' records leave the table in place.
            var removed = small is null ? 0 : await KAnonymityFilter.DeleteAsync(conn, request, plan, small, ct);
            await DropAsync(conn, small is null ? [] : [small], ct);
            var kept = await PrivacyReporter.ReportAsync(conn, request, plan, request.Table, removed, ct);
            return new([new OutboxTable(request.Table, request.Ordinal, published, request.PrimaryKey, request.Table)], rowsIn, rowsIn - removed, removed, kept,
                StrategyChoice.For(request, plan, _options, small, null, null, side is not null));
        }

        // The small classes' records are filed as rejects beside the value histogram (when anatomized) and the shuffles
        // held in memory; then the strategy is chosen, and what each record publishes that depends on others or on
        // chance is worked out on narrow data.
        long suppressed = 0;
        Anatomy? anatomy = null;
        HeldShuffle? held = null;
        var heldColumns = StrategyChoice.HeldBeforehand(request, plan, _options);
        await SideConnections.RunAsync(conn, side, ct,
            small is null ? null : async (c, t) => suppressed = await KAnonymityFilter.RejectAsync(c, request, plan, small, t),
            plan.Anatomized is null ? null : async (c, t) => anatomy = await Anatomy.PrepareAsync(c, request, plan, small, t),
            heldColumns.Count == 0 ? null : async (c, t) => held = await HeldShuffle.ReadAsync(c, request, plan, small, heldColumns, t));
        var strategy = StrategyChoice.For(request, plan, _options, small, anatomy, held, side is not null);
        if (strategy.AcrossInMemory == 0) held = null;
        var written = anatomy is null ? null : await AnatomyTablesAsync(scope, strategy, anatomy, held, ct);
        var choices = RecordChoices.Needed(plan)
            ? await RecordChoices.CreateAsync(scope, strategy, anatomy, held, written?.Dealt ?? new(null, null, null), ct)
            : null;
        var writer = new PublishedWrite(scope, choices);
        var rejected = suppressed;
        List<string> scratch = [.. small is null ? [] : new[] { small }, .. anatomy?.Scratch ?? [], .. choices?.Tables ?? []];
        if (anatomy is null)
        {
            await writer.WriteTableAsync(writer.Main, ct);
            await writer.PlaceAsync(table, writer.Main, request.Table, ct);
            await DropAsync(conn, scratch, ct);
            var report = await PrivacyReporter.ReportAsync(conn, request, plan, request.Table, suppressed, ct);
            return new([new OutboxTable(request.Table, request.Ordinal, published, request.PrimaryKey, request.Table)], rowsIn, rowsIn - rejected, rejected, report, strategy);
        }

        var (overCapRejected, fewest) = await writer.WriteAnatomyAsync(anatomy, written!, strategy, ct);
        rejected += overCapRejected;
        var (qitName, stName) = await writer.PlaceAnatomyAsync(table, written!, ct);
        await DropAsync(conn, scratch, ct);
        var split = await PrivacyReporter.ReportAsync(conn, request, plan, qitName, suppressed, ct, fewest);
        return new([new OutboxTable(qitName, request.Ordinal, anatomy.QitColumns(published), request.PrimaryKey, request.Table),
                    new OutboxTable(stName, request.Ordinal, anatomy.StColumns, null, request.Table)], rowsIn, rowsIn - rejected, rejected, split, strategy);
    }

    /// <summary>The tables QIT and ST are written into, and which of them the dealing pass writes, as the strategy says.</summary>
    private static async Task<AnatomyTables> AnatomyTablesAsync(TableScope s, AnonymizationStrategy strategy, Anatomy anatomy, HeldShuffle? held, CancellationToken ct)
    {
        var qit = Sql.Table(s.Request.Schema, Scratch.Name());
        var st = Sql.Table(s.Request.Schema, Scratch.Name());
        if (strategy.St == AnonymizationStrategy.Writing.Dealt) await anatomy.HoldValuesAsync(s.Connection, ct);
        var dealtQit = strategy.Qit == AnonymizationStrategy.Writing.Dealt ? DealtQit.TryFor(s.Request, s.Plan, anatomy, held) : null;
        return new AnatomyTables(qit, st, new(strategy.St == AnonymizationStrategy.Writing.Dealt ? st : null, dealtQit, dealtQit is null ? null : qit));
    }

    private static Task DropAsync(NpgsqlConnection conn, IReadOnlyCollection<string> tables, CancellationToken ct) =>
        tables.Count == 0 ? Task.CompletedTask : new SqlParameters().ExecuteAsync(conn, $"DROP TABLE {string.Join(", ", tables)}", ct);
}
