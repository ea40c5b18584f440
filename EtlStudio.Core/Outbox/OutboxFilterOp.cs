namespace EtlStudio.Core.Outbox;

/// <summary>How a filter compares a column with its value(s); every op is typed by the column's catalog type.</summary>
public enum OutboxFilterOp
{
    Equals,
    NotEquals,
    LessThan,
    LessOrEqual,
    GreaterThan,
    GreaterOrEqual,
    /// <summary>Inclusive range; either bound may be left out.</summary>
    Between,
    /// <summary>Case-insensitive substring of the value's text.</summary>
    Contains,
    StartsWith,
    /// <summary>Null (or, for text, the empty string).</summary>
    IsEmpty,
    IsNotEmpty,
}
