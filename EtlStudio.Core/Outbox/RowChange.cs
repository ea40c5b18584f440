namespace EtlStudio.Core.Outbox;

/// <summary>
/// One change to an outbox table. <see cref="Values"/> are column → text (null sets null), parsed to the column's type;
/// for Edit only the columns given change, for Add the missing ones are null. <see cref="RowId"/> is for Edit and Delete.
/// </summary>
public sealed record RowChange(RowChangeKind Kind, long? RowId = null, IReadOnlyDictionary<string, string?>? Values = null)
{
    public static RowChange Add(IReadOnlyDictionary<string, string?> values) => new(RowChangeKind.Add, null, values);
    public static RowChange Edit(long rowId, IReadOnlyDictionary<string, string?> values) => new(RowChangeKind.Edit, rowId, values);
    public static RowChange Delete(long rowId) => new(RowChangeKind.Delete, rowId);
}
