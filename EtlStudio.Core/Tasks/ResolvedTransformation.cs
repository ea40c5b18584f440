using EtlStudio.Core.Scripts;

namespace EtlStudio.Core.Tasks;

/// <summary>A transformation in run order: Merge (SELECT into <see cref="TargetTable"/>) or Update (DML), with its SQL.</summary>
public sealed record ResolvedTransformation(Guid ScriptId, int Order, TransformationType Type, string? TargetTable, string Sql);
