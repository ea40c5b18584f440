namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// The way each phase of one table's anonymization was carried out, chosen once by <see cref="StrategyChoice"/> from the
/// table's methods, its data and <see cref="AnonymizationOptions"/>. Every combination publishes what the reference
/// path (<see cref="ReferenceAnonymizer"/>) publishes; the choice only moves work between this process and PostgreSQL.
/// </summary>
/// <param name="AcrossInMemory">Columns shuffled across the table in this process's memory, riding with the anatomy's groups.</param>
/// <param name="AcrossThroughTables">Columns shuffled across the table through a table of their own each.</param>
/// <param name="Concurrent">Whether independent phases ran beside each other on side connections.</param>
public sealed record AnonymizationStrategy(
    AnonymizationStrategy.SmallClassRemoval SmallClasses,
    int AcrossInMemory,
    int AcrossThroughTables,
    AnonymizationStrategy.AnatomyReading Reading,
    AnonymizationStrategy.Writing St,
    AnonymizationStrategy.Writing Qit,
    AnonymizationStrategy.Measuring LReached,
    bool Concurrent)
{
    /// <summary>A table with nothing to work out: no small class, no shuffle, no anatomy.</summary>
    public static AnonymizationStrategy Plain(bool concurrent) =>
        new(SmallClassRemoval.None, 0, 0, AnatomyReading.None, Writing.None, Writing.None, Measuring.None, concurrent);

    /// <summary>How the records of classes smaller than k leave: none, deleted from the table in place, or left out of the rewrite.</summary>
    public enum SmallClassRemoval { None, DeletedInPlace, LeftOut }

    /// <summary>How the anatomy reads the records: in the table's order (every value's ranking held), or sorted by value.</summary>
    public enum AnatomyReading { None, TableOrder, SortedByValue }

    /// <summary>How QIT or ST is written: as the records are dealt to groups (by COPY from that pass), or by a query after.</summary>
    public enum Writing { None, Dealt, Query }

    /// <summary>How the anatomized column's l reached is measured: counted as the records are dealt, or by a query on ST.</summary>
    public enum Measuring { None, Counted, Query }
}
