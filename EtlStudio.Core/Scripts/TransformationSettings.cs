namespace EtlStudio.Core.Scripts;

/// <summary>A transformation: Merge (SELECT into <see cref="TargetTable"/>) or Update (DML on the table it names).</summary>
public sealed record TransformationSettings(TransformationType Type, string? TargetTable);
