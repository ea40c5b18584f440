namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// How far the anonymizer may work in this process's memory rather than through tables of PostgreSQL (section
/// <c>Pipeline:Anonymization</c>). Each limit only chooses between strategies that publish the same output
/// (<see cref="AnonymizationStrategy"/>, proven equal by the equivalence tests); 0 turns a strategy off.
/// </summary>
public sealed class AnonymizationOptions
{
    public const string Section = "Pipeline:Anonymization";

    /// <summary>
    /// Bytes this process may take to shuffle an anatomized table's fixed-width values itself (12 bytes a record and 8
    /// more a column); the columns beyond it, and text, are shuffled through tables of their own.
    /// </summary>
    public long HeldShuffleBytes { get; set; } = 64L << 20;

    /// <summary>The most anatomy groups whose records are counted as they are dealt (4 bytes a group); with more, the l reached is measured on ST.</summary>
    public long CountedGroups { get; set; } = 8L << 20;

    /// <summary>The most distinct sensitive values held by number so that ST is written as the records are dealt; with more, ST is written by a query.</summary>
    public long StValuesHeld { get; set; } = 65_536;

    /// <summary>
    /// The most distinct sensitive values whose rankings are held at once while the records are read in the table's
    /// order; with more, the records are read sorted by value and one value's ranking is held at a time.
    /// </summary>
    public long RankedValuesHeld { get; set; } = 65_536;

    /// <summary>Whether QIT may be written as the records are dealt to groups, where every choice of the table is made in that pass.</summary>
    public bool QitDealt { get; set; } = true;

    /// <summary>Whether every limit is one the anonymizer can work with (none negative).</summary>
    public bool IsValid() => HeldShuffleBytes >= 0 && CountedGroups >= 0 && StValuesHeld >= 0 && RankedValuesHeld >= 0;
}
