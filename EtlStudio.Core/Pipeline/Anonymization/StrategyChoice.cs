namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// The one place that chooses how a table's phases are carried out (<see cref="AnonymizationStrategy"/>): from its
/// methods, what its data turned out to be (small classes, distinct sensitive values, groups, records over the cap) and
/// <see cref="AnonymizationOptions"/>. Each choice moves work between this process and PostgreSQL, never the output.
/// </summary>
internal static class StrategyChoice
{
    /// <summary>Whether nothing rewrites the table's values, so the small classes' records can leave it in place.</summary>
    public static bool InPlace(AnonymizationPlan plan) => plan.RowLocal.Count == 0 && plan.Permuted.Count == 0 && plan.Anatomized is null;

    /// <summary>
    /// Before any data is read: the shuffles across an anatomized table held in memory, read beside its histogram.
    /// They are dropped after (<see cref="For"/>) should records go over the cap.
    /// </summary>
    public static IReadOnlyList<(Tasks.ResolvedColumn Column, int Index)> HeldBeforehand(AnonymizationRequest r, AnonymizationPlan plan, AnonymizationOptions o) =>
        HeldShuffle.Fitting(r, plan, o.HeldShuffleBytes);

    /// <summary>The strategy of a table, once its small classes and (when anatomized) its histogram are known.</summary>
    /// <param name="held">The shuffles worked out in memory beforehand, if any.</param>
    public static AnonymizationStrategy For(AnonymizationRequest r, AnonymizationPlan plan, AnonymizationOptions o, string? small, Anatomy? anatomy,
        HeldShuffle? held, bool concurrent)
    {
        var smallClasses = small is null ? AnonymizationStrategy.SmallClassRemoval.None
            : InPlace(plan) ? AnonymizationStrategy.SmallClassRemoval.DeletedInPlace : AnonymizationStrategy.SmallClassRemoval.LeftOut;
        var across = RecordChoices.Across(plan).Count();
        if (anatomy is null)
            return AnonymizationStrategy.Plain(concurrent) with { SmallClasses = smallClasses, AcrossThroughTables = across };

        // The held shuffles were worked out over every kept record; records the anatomy rejects must not take part, so
        // with some over the cap the shuffles go through tables of their own, after the groups are dealt.
        if (anatomy.OverCap) held = null;
        var inMemory = held?.Indexes.Count() ?? 0;
        var st = anatomy.Values <= o.StValuesHeld ? AnonymizationStrategy.Writing.Dealt : AnonymizationStrategy.Writing.Query;
        // QIT is written in the dealing pass only when that pass makes every choice of the record (see DealtQit).
        var qit = o.QitDealt && st == AnonymizationStrategy.Writing.Dealt && DealtQit.TryFor(r, plan, anatomy, held) is not null
            ? AnonymizationStrategy.Writing.Dealt : AnonymizationStrategy.Writing.Query;
        return new AnonymizationStrategy(
            smallClasses,
            inMemory,
            across - inMemory,
            anatomy.Values > o.RankedValuesHeld ? AnonymizationStrategy.AnatomyReading.SortedByValue : AnonymizationStrategy.AnatomyReading.TableOrder,
            st,
            qit,
            anatomy.Groups <= o.CountedGroups ? AnonymizationStrategy.Measuring.Counted : AnonymizationStrategy.Measuring.Query,
            concurrent);
    }
}
