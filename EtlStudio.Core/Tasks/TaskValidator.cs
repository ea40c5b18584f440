using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Scripts;

namespace EtlStudio.Core.Tasks;

/// <summary>
/// Everything that keeps a task from running, each problem naming its table and column. The same
/// list is the task page's live "what is missing" and the reason a release is refused.
/// </summary>
public static class TaskValidator
{
    /// <summary>A referenced script as the validator needs it.</summary>
    public sealed record ScriptFacts(ScriptKind Kind, bool Released, FieldRuleSettings? FieldRule, AnonymizationSettings? Anonymization);

    public static IReadOnlyList<ValidationProblem> Validate(TaskConfiguration c, IReadOnlyDictionary<Guid, ScriptFacts> scripts)
    {
        var p = new List<ValidationProblem>();
        if (c.Tables.Count == 0) p.Add(new("tables", "Add at least one table with its columns and extraction scripts."));
        foreach (var dup in c.Tables.GroupBy(t => t.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            p.Add(new($"tables[{dup.Key}]", "Two tables have this name."));

        void Script(string path, Guid id, ScriptKind kind)
        {
            if (!scripts.TryGetValue(id, out var s)) p.Add(new(path, $"Script {id} does not exist."));
            else if (s.Kind != kind) p.Add(new(path, $"Script {id} is a {s.Kind} script, not a {kind} script."));
            else if (!s.Released) p.Add(new(path, $"Script {id} is not released yet."));
        }

        foreach (var t in c.Tables)
        {
            var tp = $"tables[{t.Name}]";
            if (!ScriptValidator.IsIdentifier(t.Name)) p.Add(new(tp, "A table name uses letters, digits and _ (at most 63), starting with a letter or _."));
            if (t.Columns.Count == 0) p.Add(new($"{tp}.columns", "Declare the table's columns and their types."));
            foreach (var dup in t.Columns.GroupBy(x => x.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
                p.Add(new($"{tp}.columns[{dup.Key}]", "Two columns have this name."));
            var columns = t.Columns.ToDictionary(x => x.Name, StringComparer.OrdinalIgnoreCase);
            if (t.Extractions.Count == 0) p.Add(new($"{tp}.extractions", "Attach at least one extraction script with its source."));
            foreach (var dup in t.Extractions.GroupBy(e => e.Priority).Where(g => g.Count() > 1))
                p.Add(new($"{tp}.extractions", $"Two sources share priority {dup.Key}; priorities decide which record wins, so they must differ."));
            foreach (var (e, i) in t.Extractions.Select((e, i) => (e, i))) Script($"{tp}.extractions[{i}]", e.ScriptId, ScriptKind.Extractor);
            if (t.PrimaryKey is null && t.Extractions.Count > 1)
                p.Add(new($"{tp}.primaryKey", "With more than one source, a primary key says which records are the same."));
            if (t.PrimaryKey is { } pk && !columns.ContainsKey(pk)) p.Add(new($"{tp}.primaryKey", $"The primary key '{pk}' is not a column of the table."));
            if (t.MergeStrategy == MergeStrategy.Regenerate && t.PrimaryKey is { } rk && columns.TryGetValue(rk, out var key) && key.Type is not (FieldType.Integer or FieldType.String))
                p.Add(new($"{tp}.primaryKey", "Regenerate makes new keys for Integer or String keys only."));

            foreach (var col in t.Columns)
            {
                var cp = $"{tp}.columns[{col.Name}]";
                if (!ScriptValidator.IsIdentifier(col.Name)) p.Add(new(cp, "A column name uses letters, digits and _ (at most 63)."));
                foreach (var id in col.FieldRuleScriptIds)
                {
                    Script($"{cp}.fieldRules", id, ScriptKind.FieldRule);
                    if (scripts.TryGetValue(id, out var s) && s.FieldRule is { } r && r.FieldType != col.Type)
                        p.Add(new($"{cp}.fieldRules", $"Rule {id} is for {r.FieldType} values but the column is {col.Type}."));
                }
                if (col.FieldRuleScriptIds.Select(id => scripts.GetValueOrDefault(id)?.FieldRule).OfType<FieldRuleSettings>().GroupBy(r => r.IsRangeRule).Any(g => g.Count() > 1))
                    p.Add(new($"{cp}.fieldRules", "A column takes at most one empty-value rule and one range rule."));
                if (col.AnonymizationScriptId is { } a)
                {
                    Script($"{cp}.anonymization", a, ScriptKind.AnonymizationRule);
                    if (string.Equals(col.Name, t.PrimaryKey, StringComparison.OrdinalIgnoreCase) && scripts.GetValueOrDefault(a)?.Anonymization is { } an)
                        p.Add(new($"{cp}.anonymization", $"{an.Method} on the primary key would break keys and the foreign keys pointing at them."));
                    if (scripts.GetValueOrDefault(a)?.Anonymization is { Method: AnonymizationMethod.Anatomization } && !t.Columns.Any(x => x.Sensitive))
                        p.Add(new($"{cp}.anonymization", "Anatomization needs a sensitive column in the table."));
                }
            }
            foreach (var fk in t.ForeignKeys)
            {
                var fp = $"{tp}.foreignKeys[{fk.Column}]";
                if (!columns.ContainsKey(fk.Column)) p.Add(new(fp, $"'{fk.Column}' is not a column of {t.Name}."));
                var target = c.Tables.FirstOrDefault(x => string.Equals(x.Name, fk.ReferencesTable, StringComparison.OrdinalIgnoreCase));
                if (target is null) p.Add(new(fp, $"The referenced table '{fk.ReferencesTable}' is not part of the task."));
                else if (target.Columns.All(x => !string.Equals(x.Name, fk.ReferencesColumn, StringComparison.OrdinalIgnoreCase)))
                    p.Add(new(fp, $"'{fk.ReferencesColumn}' is not a column of {target.Name}."));
            }
        }
        if (HasForeignKeyCycle(c)) p.Add(new("tables", "The foreign keys form a cycle; parents must be processed before children."));

        var quasi = c.Tables.SelectMany(t => t.Columns).Any(x => x.QuasiIdentifier);
        if (c.Privacy.K is < 2) p.Add(new("privacy.k", "k is at least 2."));
        if (c.Privacy.L is < 2) p.Add(new("privacy.l", "l is at least 2."));
        if (c.Privacy.K is not null && !quasi) p.Add(new("privacy.k", "k-anonymity needs quasi-identifier columns: mark them."));
        foreach (var (id, i) in c.TransformationScriptIds.Select((id, i) => (id, i))) Script($"transformations[{i}]", id, ScriptKind.Transformer);

        if (c.Upload?.ScriptId is not { } upload) p.Add(new("upload.script", "Choose the uploading script."));
        else Script("upload.script", upload, ScriptKind.Uploader);
        if (c.Upload?.DestinationConnectionId is null) p.Add(new("upload.destination", "Choose the destination data module."));
        return p;
    }

    private static bool HasForeignKeyCycle(TaskConfiguration c)
    {
        var edges = c.Tables.ToDictionary(t => t.Name.ToLowerInvariant(), t => t.ForeignKeys.Select(f => f.ReferencesTable.ToLowerInvariant())
            .Where(r => r != t.Name.ToLowerInvariant()).ToList());
        var state = new Dictionary<string, int>();
        bool Visit(string n)
        {
            if (state.GetValueOrDefault(n) == 1) return true;
            if (state.GetValueOrDefault(n) == 2 || !edges.ContainsKey(n)) return false;
            state[n] = 1;
            if (edges[n].Any(Visit)) return true;
            state[n] = 2;
            return false;
        }
        return edges.Keys.Any(Visit);
    }
}
