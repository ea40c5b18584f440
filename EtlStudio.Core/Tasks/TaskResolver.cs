using EtlStudio.Core.Domain;
using EtlStudio.Core.Scripts;

namespace EtlStudio.Core.Tasks;

/// <summary>Turns a validated configuration and its scripts into a <see cref="ResolvedTask"/>; assumes <see cref="TaskValidator"/> found nothing.</summary>
internal static class TaskResolver
{
    public static ResolvedTask Resolve(Guid id, string name, DateTimeOffset releasedAt, TaskConfiguration c,
        IReadOnlyDictionary<Guid, TaskValidator.ScriptFacts> scripts, IReadOnlyDictionary<Guid, ConnectionKind> connections)
    {
        var tables = TaskValidator.ParentsFirst(c).Select(t => new ResolvedTable(t.Name,
            t.Columns.Select(col =>
            {
                var rules = col.FieldRuleScriptIds.Select(r => new ResolvedFieldRule(r, scripts[r].FieldRule!)).ToList();
                var anonymization = col.AnonymizationScriptId is { } a && scripts[a].Anonymization is { } an
                    ? new ResolvedAnonymization(a, an.Method, an.Typed()) : null;
                return new ResolvedColumn(col.Name, col.Type, rules.FirstOrDefault(r => !r.Settings.IsRangeRule), rules.FirstOrDefault(r => r.Settings.IsRangeRule),
                    anonymization, col.QuasiIdentifier, col.Sensitive);
            }).ToList(),
            t.PrimaryKey, t.MergeStrategy, t.ForeignKeys,
            t.Extractions.OrderByDescending(e => e.Priority).Select(e =>
            {
                var body = scripts[e.ScriptId].Body;
                ExtractorBody.TryParseHttp(body, out var http, out _);
                return new ResolvedExtraction(e.ScriptId, e.ConnectionId, connections[e.ConnectionId], e.Priority, body,
                    connections[e.ConnectionId] == ConnectionKind.HttpJson ? http : null);
            }).ToList())).ToList();
        var transformations = c.TransformationScriptIds.Select((t, i) =>
            new ResolvedTransformation(t, i + 1, scripts[t].Transformation!.Type, scripts[t].Transformation!.TargetTable, scripts[t].Body)).ToList();
        var upload = c.Upload!;
        UploadDescription.TryParse(scripts[upload.ScriptId!.Value].Body, out var description, out _);
        return new ResolvedTask(id, name, releasedAt, tables, transformations, c.Privacy,
            new ResolvedUpload(upload.ScriptId.Value, upload.DestinationConnectionId!.Value, connections[upload.DestinationConnectionId.Value], description!), c.Policy);
    }
}
