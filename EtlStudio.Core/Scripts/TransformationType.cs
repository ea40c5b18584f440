namespace EtlStudio.Core.Scripts;

/// <summary><c>Merge</c>: a SELECT whose result becomes a table. <c>Update</c>: DML on a table.</summary>
public enum TransformationType
{
    Merge,
    Update,
}
