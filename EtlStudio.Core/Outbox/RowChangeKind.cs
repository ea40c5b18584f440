namespace EtlStudio.Core.Outbox;

public enum RowChangeKind
{
    Add,
    Edit,
    Delete,
}
