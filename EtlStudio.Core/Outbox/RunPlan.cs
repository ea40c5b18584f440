using EtlStudio.Core.Scripts;

namespace EtlStudio.Core.Outbox;

/// <summary>
/// What the outbox and the upload need from a run's task: the destination, the upload description and the range rules
/// (task table → column → rule) that edits must respect.
/// </summary>
public sealed record RunPlan(Guid? DestinationConnectionId, UploadDescription Upload, IReadOnlyDictionary<string, IReadOnlyDictionary<string, FieldRuleSettings>> RangeRules)
{
    public FieldRuleSettings? RangeRule(string? table, string column) =>
        table is not null && RangeRules.TryGetValue(table, out var columns) && columns.TryGetValue(column, out var rule) ? rule : null;
}
