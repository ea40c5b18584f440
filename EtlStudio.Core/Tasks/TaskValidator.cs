using System.Text.RegularExpressions;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Scripts;

namespace EtlStudio.Core.Tasks;

/// <summary>
/// Everything that keeps a task from running, each problem naming its table and column. The same
/// list is the task page's live "what is missing" and the reason a release is refused.
/// </summary>
public static partial class TaskValidator
{
    /// <summary>A referenced script as the validator needs it.</summary>
    public sealed record ScriptFacts(ScriptKind Kind, bool Released, FieldRuleSettings? FieldRule, AnonymizationSettings? Anonymization,
        TransformationSettings? Transformation = null, string Body = "");

    /// <summary>
    /// Every problem of <paramref name="c"/>. With <paramref name="connections"/> (id → kind of every referenced connection
    /// that exists), sources and destinations are checked too: that they exist and that each extraction's body fits its source.
    /// </summary>
    public static IReadOnlyList<ValidationProblem> Validate(TaskConfiguration c, IReadOnlyDictionary<Guid, ScriptFacts> scripts,
        IReadOnlyDictionary<Guid, ConnectionKind>? connections = null) => Check(c, scripts, connections).Select(x => x.Problem).ToList();

    internal static IReadOnlyList<TaskProblem> Check(TaskConfiguration c, IReadOnlyDictionary<Guid, ScriptFacts> scripts, IReadOnlyDictionary<Guid, ConnectionKind>? connections)
    {
        var p = new List<TaskProblem>();
        void Add(string path, string message, bool blocksSave = false) => p.Add(new(new ValidationProblem(path, message), blocksSave));
        if (c.Tables.Count == 0) Add("tables", "Add at least one table with its columns and extraction scripts.");
        foreach (var dup in c.Tables.GroupBy(t => t.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            Add($"tables[{dup.Key}]", "Two tables have this name.");

        ScriptFacts? Script(string path, Guid id, ScriptKind kind)
        {
            if (!scripts.TryGetValue(id, out var s)) Add(path, $"Script {id} does not exist.", blocksSave: true);
            else if (s.Kind != kind) Add(path, $"Script {id} is a {s.Kind} script, not a {kind} script.", blocksSave: true);
            else if (!s.Released) Add(path, $"Script {id} is not released yet.");
            return s?.Kind == kind ? s : null;
        }
        ConnectionKind? Connection(string path, Guid id)
        {
            if (connections is null) return null;
            if (connections.TryGetValue(id, out var kind)) return kind;
            Add(path, $"Connection {id} does not exist.", blocksSave: true);
            return null;
        }

        // Columns that foreign keys join on: anonymizing either end would break the join.
        var joined = c.Tables.SelectMany(t => t.ForeignKeys.SelectMany(fk => new[] { Key(t.Name, fk.Column), Key(fk.ReferencesTable, fk.ReferencesColumn) }))
            .ToHashSet();
        foreach (var t in c.Tables)
        {
            var tp = $"tables[{t.Name}]";
            if (!ScriptValidator.IsIdentifier(t.Name)) Add(tp, "A table name uses letters, digits and _ (at most 63), starting with a letter or _.");
            // The run's schema marks its own tables (_rejects, _outbox, working tables, page maps) with a leading _.
            else if (t.Name.StartsWith('_')) Add(tp, "A table name starts with a letter: names starting with _ are the engine's own tables.");
            if (t.Columns.Count == 0) Add($"{tp}.columns", "Declare the table's columns and their types.");
            foreach (var dup in t.Columns.GroupBy(x => x.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
                Add($"{tp}.columns[{dup.Key}]", "Two columns have this name.");
            var columns = t.Columns.DistinctBy(x => x.Name, StringComparer.OrdinalIgnoreCase).ToDictionary(x => x.Name, StringComparer.OrdinalIgnoreCase);

            if (t.Extractions.Count == 0) Add($"{tp}.extractions", "Attach at least one extraction script with its source.");
            foreach (var dup in t.Extractions.GroupBy(e => e.Priority).Where(g => g.Count() > 1))
                Add($"{tp}.extractions", $"Two sources share priority {dup.Key}; priorities decide which record wins, so they must differ.");
            foreach (var (e, i) in t.Extractions.Select((e, i) => (e, i)))
            {
                var ep = $"{tp}.extractions[{i}]";
                var script = Script(ep, e.ScriptId, ScriptKind.Extractor);
                if (Connection(ep, e.ConnectionId) is { } kind && script is not null)
                {
                    var form = ExtractorBody.Classify(script.Body);
                    if (kind == ConnectionKind.PostgreSql && form != ExtractorBodyForm.Sql) Add(ep, "The source is a PostgreSQL database but the script is an HTTP request; bind a SQL query.");
                    if (kind == ConnectionKind.HttpJson && form != ExtractorBodyForm.Http) Add(ep, "The source is an HTTP JSON API but the script is SQL; bind a request such as GET /customers.");
                    if (kind == ConnectionKind.S3 && !Pipeline.Extraction.S3SourceReader.IsObjectPrefix(script.Body))
                        Add(ep, "The source is S3 storage; the script is the key prefix of the objects to read, such as customers/ (relative to the connection's prefix).");
                }
            }

            if (t.PrimaryKey is null && t.MergeStrategy != MergeStrategy.SourcePriority)
                Add($"{tp}.primaryKey", $"{t.MergeStrategy} works on records sharing a primary key: choose the key column.");
            else if (t.PrimaryKey is null && t.Extractions.Count > 1)
                Add($"{tp}.primaryKey", "With more than one source, a primary key says which records are the same.");
            if (t.PrimaryKey is { } pk && !columns.ContainsKey(pk)) Add($"{tp}.primaryKey", $"The primary key '{pk}' is not a column of the table.");
            if (t.MergeStrategy == MergeStrategy.Regenerate && t.PrimaryKey is { } rk && columns.TryGetValue(rk, out var key) && key.Type is not (FieldType.Integer or FieldType.String))
                Add($"{tp}.primaryKey", "Regenerate makes new keys for Integer or String keys only.");

            foreach (var col in t.Columns)
            {
                var cp = $"{tp}.columns[{col.Name}]";
                if (!ScriptValidator.IsIdentifier(col.Name)) Add(cp, "A column name uses letters, digits and _ (at most 63).");
                else if (Pipeline.StagingLayout.IsEngineColumn(col.Name))
                    Add(cp, $"{col.Name} is a name the engine gives its own columns (_row, _src, _bad_col, _bad_reason and _anon_…); rename it, for example in the extraction's SELECT.");
                if (!Enum.IsDefined(col.Type)) Add(cp, "Unknown column type.");
                if (col.QuasiIdentifier && col.Sensitive) Add(cp, "A column is either a quasi-identifier or sensitive, not both.");
                var rules = new List<FieldRuleSettings>();
                foreach (var id in col.FieldRuleScriptIds)
                {
                    if (Script($"{cp}.fieldRules", id, ScriptKind.FieldRule)?.FieldRule is not { } r) continue;
                    rules.Add(r);
                    if (r.FieldType != col.Type) Add($"{cp}.fieldRules", $"Rule {id} is for {r.FieldType} values but the column is {col.Type}.");
                }
                if (rules.GroupBy(r => r.IsRangeRule).Any(g => g.Count() > 1))
                    Add($"{cp}.fieldRules", "A column takes at most one empty-value rule and one range rule.");
                if (col.AnonymizationScriptId is { } a && Script($"{cp}.anonymization", a, ScriptKind.AnonymizationRule)?.Anonymization is { } an)
                    CheckAnonymization(t, col, an, joined.Contains(Key(t.Name, col.Name)), $"{cp}.anonymization", Add);
            }
            foreach (var fk in t.ForeignKeys)
            {
                var fp = $"{tp}.foreignKeys[{fk.Column}]";
                columns.TryGetValue(fk.Column, out var child);
                if (child is null) Add(fp, $"'{fk.Column}' is not a column of {t.Name}.");
                var target = c.Tables.FirstOrDefault(x => string.Equals(x.Name, fk.ReferencesTable, StringComparison.OrdinalIgnoreCase));
                var parent = target?.Columns.FirstOrDefault(x => string.Equals(x.Name, fk.ReferencesColumn, StringComparison.OrdinalIgnoreCase));
                if (target is null) Add(fp, $"The referenced table '{fk.ReferencesTable}' is not part of the task.");
                else if (parent is null) Add(fp, $"'{fk.ReferencesColumn}' is not a column of {target.Name}.");
                else if (child is not null && child.Type != parent.Type) Add(fp, $"{t.Name}.{child.Name} is {child.Type} but {target.Name}.{parent.Name} is {parent.Type}; a foreign key compares equal types.");
            }
        }
        if (HasForeignKeyCycle(c)) Add("tables", "The foreign keys form a cycle; parents must be processed before children.");

        var allColumns = c.Tables.SelectMany(t => t.Columns).ToList();
        if (c.Privacy.K is < 2) Add("privacy.k", "k is at least 2.");
        if (c.Privacy.L is < 2) Add("privacy.l", "l is at least 2.");
        if (c.Privacy.K is not null && !allColumns.Any(x => x.QuasiIdentifier)) Add("privacy.k", "k-anonymity needs quasi-identifier columns: mark them.");
        if (c.Privacy.L is not null && !allColumns.Any(x => x.Sensitive)) Add("privacy.l", "l-diversity needs sensitive columns: mark them.");

        if (c.Policy is { } policy) CheckPolicy(policy, allColumns, Add);

        CheckTransformations(c, Script, Add);

        if (c.Upload?.ScriptId is not { } upload) Add("upload.script", "Choose the uploading script.");
        else Script("upload.script", upload, ScriptKind.Uploader);
        if (c.Upload?.DestinationConnectionId is not { } destination) Add("upload.destination", "Choose the destination data module.");
        else Connection("upload.destination", destination);
        return p;
    }

    /// <summary>Whether the method fits the column's type, and keys and joins survive it.</summary>
    private static void CheckAnonymization(TableConfig t, ColumnConfig col, AnonymizationSettings an, bool joined, string path, Action<string, string, bool> add)
    {
        var isKey = string.Equals(col.Name, t.PrimaryKey, StringComparison.OrdinalIgnoreCase);
        // Permutation keeps every key value and its uniqueness, so only a join through the column is at risk.
        if (isKey && an.Method != AnonymizationMethod.Permutation)
            add(path, $"{an.Method} on the primary key would break its uniqueness and the foreign keys pointing at it.", false);
        else if (joined)
            add(path, $"{an.Method} on a column joined by a foreign key would break the join.", false);
        var numeric = col.Type is FieldType.Integer or FieldType.Double;
        var date = col.Type is FieldType.Date or FieldType.DateTime;
        string? wrongType;
        try
        {
            wrongType = an.Typed() switch
            {
                GeneralizationParameters { Width: not null } when !numeric => "Intervals of a width generalize numbers",
                GeneralizationParameters { Truncate: not null } when !date => "Truncation generalizes dates",
                GeneralizationParameters { PrefixLength: not null } when col.Type != FieldType.String => "A kept prefix generalizes text",
                PerturbationParameters { DateShiftDays: not null } when !date => "A shift in days perturbs dates",
                PerturbationParameters { Distribution: not null } when !numeric => "Noise perturbs numbers",
                _ => null,
            };
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException or System.Text.Json.JsonException)
        {
            wrongType = "Its parameters do not read";
        }
        if (wrongType is not null) add(path, $"{wrongType}; the column is {col.Type}.", false);
        if (an.Method == AnonymizationMethod.Anatomization && !t.Columns.Any(x => x.Sensitive))
            add(path, "Anatomization needs a sensitive column in the table.", false);
        if (an.Method == AnonymizationMethod.Suppression && an.Parameters.ContainsKey("k") && !t.Columns.Any(x => x.QuasiIdentifier))
            add(path, "Suppression with k needs quasi-identifier columns in the table: mark them.", false);
    }

    /// <summary>Limits that cannot be met or mean nothing are refused when saved; a threshold without the columns it measures blocks release.</summary>
    private static void CheckPolicy(PrivacyPolicy policy, IReadOnlyList<ColumnConfig> columns, Action<string, string, bool> add)
    {
        if (policy.MinK is < 2) add("privacyPolicy.minK", "The minimum k is at least 2 (k = 1 protects nobody).", true);
        else if (policy.MinK is not null && !columns.Any(x => x.QuasiIdentifier)) add("privacyPolicy.minK", "A minimum k is measured over quasi-identifiers: mark them.", false);
        if (policy.MinL is < 2) add("privacyPolicy.minL", "The minimum l is at least 2.", true);
        else if (policy.MinL is not null && !columns.Any(x => x.Sensitive)) add("privacyPolicy.minL", "A minimum l is measured on sensitive columns: mark them.", false);
        foreach (var (name, value) in new[] { ("maxHighestRisk", policy.MaxHighestRisk), ("maxAverageRisk", policy.MaxAverageRisk) })
            if (value is { } v && !(v > 0 && v <= 1)) add($"privacyPolicy.{name}", "A risk limit is a probability above 0 and at most 1 (0.2 = one chance in five).", true);
        if (policy.MaxRemovedShare is { } share && !(share >= 0 && share <= 1)) add("privacyPolicy.maxRemovedShare", "The share of removed records is between 0 and 1 (0.1 = 10 %).", true);
        if ((policy.MaxHighestRisk is not null || policy.MaxAverageRisk is not null) && !columns.Any(x => x.QuasiIdentifier))
            add("privacyPolicy", "Re-identification risk is measured over quasi-identifiers: mark them.", false);
    }

    /// <summary>Each transformation must reference a table it can see: a task table or the result of an earlier Merge.</summary>
    private static void CheckTransformations(TaskConfiguration c, Func<string, Guid, ScriptKind, ScriptFacts?> script, Action<string, string, bool> add)
    {
        var visible = c.Tables.Select(t => t.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var dup in c.TransformationScriptIds.GroupBy(id => id).Where(g => g.Count() > 1))
            add("transformations", $"Script {dup.Key} is listed more than once; each transformation runs once, in order.", false);
        foreach (var (id, i) in c.TransformationScriptIds.Select((id, i) => (id, i)))
        {
            var path = $"transformations[{i}]";
            if (script(path, id, ScriptKind.Transformer) is not { } s) continue;
            var words = IdentifierPattern().Matches(s.Body).Select(m => m.Value.Trim('"')).ToHashSet(StringComparer.OrdinalIgnoreCase);
            if (!words.Overlaps(visible)) add(path, $"The SQL references none of the tables it can see ({string.Join(", ", visible.Order(StringComparer.OrdinalIgnoreCase))}).", false);
            var target = s.Transformation?.TargetTable;
            if (s.Transformation?.Type == TransformationType.Merge && target is not null)
            {
                if (c.Tables.Any(t => string.Equals(t.Name, target, StringComparison.OrdinalIgnoreCase)))
                    add(path, $"A Merge writes a new table; '{target}' is already a table of the task.", false);
                visible.Add(target);
            }
            else if (s.Transformation?.Type == TransformationType.Update && target is { Length: > 0 } && !visible.Contains(target))
                add(path, $"The Update targets '{target}', which is neither a task table nor the result of an earlier Merge.", false);
        }
    }

    private static (string, string) Key(string table, string column) => (table.ToLowerInvariant(), column.ToLowerInvariant());

    /// <summary>Tables ordered parents first, so foreign keys can be checked against finished parents.</summary>
    internal static IReadOnlyList<TableConfig> ParentsFirst(TaskConfiguration c)
    {
        var done = new List<TableConfig>();
        var pending = c.Tables.ToList();
        while (pending.Count > 0)
        {
            var ready = pending.FirstOrDefault(t => t.ForeignKeys.All(fk => string.Equals(fk.ReferencesTable, t.Name, StringComparison.OrdinalIgnoreCase)
                || done.Any(d => string.Equals(d.Name, fk.ReferencesTable, StringComparison.OrdinalIgnoreCase))
                || !pending.Any(x => string.Equals(x.Name, fk.ReferencesTable, StringComparison.OrdinalIgnoreCase))))
                ?? throw DomainException.Precondition("The foreign keys form a cycle.");
            done.Add(ready);
            pending.Remove(ready);
        }
        return done;
    }

    private static bool HasForeignKeyCycle(TaskConfiguration c)
    {
        var edges = c.Tables.GroupBy(t => t.Name.ToLowerInvariant()).ToDictionary(g => g.Key, g => g.SelectMany(t => t.ForeignKeys).Select(f => f.ReferencesTable.ToLowerInvariant())
            .Where(r => r != g.Key).ToList());
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

    [GeneratedRegex("\"[^\"]+\"|[A-Za-z_][A-Za-z0-9_]*")]
    private static partial Regex IdentifierPattern();
}
