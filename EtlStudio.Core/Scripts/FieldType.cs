namespace EtlStudio.Core.Scripts;

/// <summary>Column types of the seed's <c>FieldType</c>, plus Boolean, Date and DateTime (same order as the contract).</summary>
public enum FieldType
{
    Integer,
    String,
    Double,
    Boolean,
    Date,
    DateTime,
}
