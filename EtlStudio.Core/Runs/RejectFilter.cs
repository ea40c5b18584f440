namespace EtlStudio.Core.Runs;

/// <summary>Which of a run's rejects to list; a null field does not filter.</summary>
public sealed record RejectFilter(string? Step = null, string? Table = null, string? Rule = null, string? Column = null)
{
    public static readonly RejectFilter All = new();
}
