using System.Text.Json;
using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Scripts;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Core.Tasks;

/// <summary>
/// ETL tasks (use case Manage ETL Task): each seed update method changes its part of the configuration;
/// release needs nothing missing. Changing a released task moves it back to Draft (audited) rather than
/// being refused, so editors can fix a task in place and what runs is always what was last released as a whole.
/// </summary>
public sealed class TaskService(ChangeScope scope, AccessPolicy policy, AuditTrail audit, TimeProvider time)
{
    private static readonly JsonSerializerOptions AuditJson = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    /// <summary>CreateTask: a new Draft task with an empty configuration (EDIT_TASK).</summary>
    public async Task<Guid> CreateAsync(Actor actor, string name, string? description, CancellationToken ct = default)
    {
        await policy.DemandRoleAsync(actor, UserRole.EditTask, "task.create", "EtlTask", null, ct);
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 200) throw new ValidationException("name", "A name of 1 to 200 characters is required.");
        var now = time.GetUtcNow();
        var task = new EtlTask
        {
            Id = Guid.NewGuid(), Name = name.Trim(), Description = description?.Trim() ?? "", Status = EtlTaskStatus.Draft,
            ConfigurationJson = TaskConfigurationJson.Write(TaskConfiguration.Empty), CreatedBy = actor.UserId, CreatedAt = now, UpdatedAt = now,
        };
        await scope.RunAsync(async db =>
        {
            db.Tasks.Add(task);
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, actor, "task.create", "EtlTask", task.Id, new AuditChanges().Created("name", task.Name).Created("description", task.Description), ct);
        }, ct);
        return task.Id;
    }

    /// <summary>GetTask: the task, its configuration and the live list of what is missing before release.</summary>
    public async Task<TaskView> GetAsync(Actor actor, Guid id, CancellationToken ct = default)
    {
        await DemandReadAsync(actor, id, ct);
        return await scope.ReadAsync(async db =>
        {
            var task = await db.Tasks.FirstOrDefaultAsync(t => t.Id == id, ct) ?? throw DomainException.NotFound("Task", id);
            var config = TaskConfigurationJson.Read(task.ConfigurationJson);
            var missing = await CheckAsync(db, config, ct);
            return new TaskView(task.Id, task.Name, task.Description, task.Status, config, missing.Select(m => m.Problem).ToList(), task.UpdatedAt, task.ReleasedAt);
        }, ct);
    }

    /// <summary>What still blocks the release, each problem naming its table and column; empty when the task can be released.</summary>
    public async Task<IReadOnlyList<ValidationProblem>> GetMissingAsync(Actor actor, Guid id, CancellationToken ct = default) =>
        (await GetAsync(actor, id, ct)).Missing;

    /// <summary>The task's effective metadata as one JSON-LD document; see <see cref="TaskMetadataService"/>.</summary>
    public async Task<string> ExportMetadataAsync(Actor actor, Guid id, bool includeIds = true, CancellationToken ct = default) =>
        await TaskMetadata.ExportAsync(scope, await GetAsync(actor, id, ct), includeIds, includeTimestamps: false, ct);

    /// <summary>GetAllTasks: a page of tasks by name, optionally of one status.</summary>
    public async Task<Paged<TaskSummary>> ListAsync(Actor actor, PageRequest page, EtlTaskStatus? status = null, CancellationToken ct = default)
    {
        await DemandReadAsync(actor, null, ct);
        return await scope.ReadAsync(async db =>
        {
            var q = db.Tasks.AsQueryable();
            if (status is { } s) q = q.Where(t => t.Status == s);
            var total = await q.LongCountAsync(ct);
            var rows = await q.OrderBy(t => t.Name).ThenBy(t => t.Id).Skip(page.Skip).Take(page.SafeSize).ToListAsync(ct);
            return new Paged<TaskSummary>(rows.Select(t => new TaskSummary(t.Id, t.Name, t.Status, TaskConfigurationJson.Read(t.ConfigurationJson).Tables.Count, t.UpdatedAt)).ToList(),
                total, page.SafePage, page.SafeSize);
        }, ct);
    }

    /// <summary>
    /// UpdateExtractionScript: replaces the tables — columns, keys, foreign keys and extraction scripts with their
    /// sources and priorities. Every newly bound source needs READ. Rules of a column whose new definition
    /// names none are kept, so redefining a table does not lose them.
    /// </summary>
    public Task UpdateTablesAsync(Actor actor, Guid id, IReadOnlyList<TableConfig> tables, CancellationToken ct = default) =>
        ChangeAsync(actor, id, "task.update.tables", "tables", c => c.Tables, async c =>
        {
            // Sources already bound were checked when bound and are checked again at release; another editor's
            // source must not stop this editor from changing a column.
            var bound = c.Tables.SelectMany(t => t.Extractions).Select(e => e.ConnectionId).ToHashSet();
            foreach (var connection in tables.SelectMany(t => t.Extractions).Select(e => e.ConnectionId).Distinct().Where(x => !bound.Contains(x)))
                await policy.DemandAccessAsync(actor, connection, AccessType.Read, "task.update.tables", "EtlTask", id, ct);
            var previous = c.Tables.SelectMany(t => t.Columns.Select(col => (Key: (t.Name.ToLowerInvariant(), col.Name.ToLowerInvariant()), col)))
                .DistinctBy(x => x.Key).ToDictionary(x => x.Key, x => x.col);
            return c with
            {
                Tables = tables.Select(t => t with
                {
                    Columns = t.Columns.Select(col => previous.TryGetValue((t.Name.ToLowerInvariant(), col.Name.ToLowerInvariant()), out var old) && col.FieldRuleScriptIds.Count == 0 && col.AnonymizationScriptId is null
                        ? col with { FieldRuleScriptIds = old.FieldRuleScriptIds, AnonymizationScriptId = old.AnonymizationScriptId, QuasiIdentifier = old.QuasiIdentifier || col.QuasiIdentifier, Sensitive = old.Sensitive || col.Sensitive }
                        : col).ToList(),
                }).ToList(),
            };
        }, ct);

    /// <summary>UpdateFieldRules: sets the field rule scripts of the named columns (others unchanged).</summary>
    public Task UpdateFieldRulesAsync(Actor actor, Guid id, IReadOnlyList<FieldRuleBinding> rules, CancellationToken ct = default)
    {
        var touched = rules.Select(r => (r.Table, r.Column)).ToList();
        return ChangeAsync(actor, id, "task.update.fieldRules", "fieldRules",
            c => ColumnsOf(c, touched).ToDictionary(x => $"{x.Table}.{x.Column.Name}", x => x.Column.FieldRuleScriptIds),
            c => Task.FromResult(EnsureColumns(c, touched) with
            {
                Tables = c.Tables.Select(t => t with
                {
                    Columns = t.Columns.Select(col => rules.FirstOrDefault(b => Matches(b.Table, b.Column, t, col)) is { } b
                        ? col with { FieldRuleScriptIds = b.ScriptIds.Distinct().ToList() } : col).ToList(),
                }).ToList(),
            }), ct, () => CheckBindings(touched));
    }

    /// <summary>UpdateAnonymizationRules: the anonymization and quasi-identifier/sensitive flags of the named columns, and k, l and seed.</summary>
    public Task UpdateAnonymizationAsync(Actor actor, Guid id, IReadOnlyList<AnonymizationBinding> rules, PrivacySettings? privacy, CancellationToken ct = default)
    {
        var touched = rules.Select(r => (r.Table, r.Column)).ToList();
        return ChangeAsync(actor, id, "task.update.anonymization", "anonymization",
            c => new
            {
                columns = ColumnsOf(c, touched).ToDictionary(x => $"{x.Table}.{x.Column.Name}", x => new { script = x.Column.AnonymizationScriptId, quasi = x.Column.QuasiIdentifier, sensitive = x.Column.Sensitive }),
                privacy = c.Privacy,
            },
            c => Task.FromResult(EnsureColumns(c, touched) with
            {
                Tables = c.Tables.Select(t => t with
                {
                    Columns = t.Columns.Select(col => rules.FirstOrDefault(b => Matches(b.Table, b.Column, t, col)) is { } b
                        ? col with { AnonymizationScriptId = b.ScriptId, QuasiIdentifier = b.QuasiIdentifier, Sensitive = b.Sensitive } : col).ToList(),
                }).ToList(),
                Privacy = privacy ?? c.Privacy,
            }), ct, () => CheckBindings(touched));
    }

    /// <summary>
    /// The privacy policy an upload of this task's runs must meet (EDIT_TASK); null removes it. Invalid limits are refused,
    /// the change is audited with the policy before and after.
    /// </summary>
    public Task UpdatePrivacyPolicyAsync(Actor actor, Guid id, PrivacyPolicy? privacyPolicy, CancellationToken ct = default) =>
        ChangeAsync(actor, id, "task.update.privacyPolicy", "privacyPolicy", c => c.Policy,
            c => Task.FromResult(c with { Policy = privacyPolicy is null || privacyPolicy.IsEmpty ? null : privacyPolicy }), ct);

    /// <summary>UpdateTransformationScripts: the transformation scripts, in the order they run.</summary>
    public Task UpdateTransformationsAsync(Actor actor, Guid id, IReadOnlyList<Guid> scriptIds, CancellationToken ct = default) =>
        ChangeAsync(actor, id, "task.update.transformations", "transformations", c => c.TransformationScriptIds,
            c => Task.FromResult(c with { TransformationScriptIds = scriptIds.ToList() }), ct);

    /// <summary>UpdateUploadingScript: the uploading script and the destination, which needs WRITE.</summary>
    public Task UpdateUploadAsync(Actor actor, Guid id, UploadConfig upload, CancellationToken ct = default) =>
        ChangeAsync(actor, id, "task.update.upload", "upload", c => c.Upload, async c =>
        {
            if (upload.DestinationConnectionId is { } dest)
                await policy.DemandAccessAsync(actor, dest, AccessType.Write, "task.update.upload", "EtlTask", id, ct);
            return c with { Upload = upload };
        }, ct);

    /// <summary>
    /// Release: only when nothing is missing (otherwise a <see cref="ValidationException"/> lists every missing part,
    /// the use case's alternate path), and only while the editor still has READ on every source and WRITE on the destination.
    /// </summary>
    public async Task ReleaseAsync(Actor actor, Guid id, CancellationToken ct = default)
    {
        await policy.DemandRoleAsync(actor, UserRole.EditTask, "task.release", "EtlTask", id, ct);
        var view = await GetAsync(actor, id, ct);
        if (view.Status == EtlTaskStatus.Released) throw DomainException.Precondition("The task is already released.");
        ValidationException.ThrowIfAny(view.Missing);
        // Access may have been revoked since the sources were chosen: check again now.
        foreach (var connection in view.Configuration.Tables.SelectMany(t => t.Extractions).Select(e => e.ConnectionId).Distinct())
            await policy.DemandAccessAsync(actor, connection, AccessType.Read, "task.release", "EtlTask", id, ct);
        await policy.DemandAccessAsync(actor, view.Configuration.Upload!.DestinationConnectionId!.Value, AccessType.Write, "task.release", "EtlTask", id, ct);
        var now = time.GetUtcNow();
        await scope.RunAsync(async db =>
        {
            var task = await db.Tasks.FirstAsync(t => t.Id == id, ct);
            // The configuration read for validation must still be the one released.
            if (task.UpdatedAt != view.UpdatedAt) throw DomainException.Precondition("The task changed while it was being released; review it and release again.");
            task.Status = EtlTaskStatus.Released;
            task.ReleasedAt = now;
            task.UpdatedAt = now;
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, actor, "task.release", "EtlTask", id, new AuditChanges().Field("status", "Draft", "Released"), ct);
        }, ct);
    }

    /// <summary>
    /// The released task fully resolved for a run (scripts, settings, connections). For the run machinery, which
    /// has already checked PROCESS_ETL_TASK; refused with FAILED_PRECONDITION unless the task is released and complete.
    /// </summary>
    public Task<ResolvedTask> ResolveForRunAsync(Guid taskId, CancellationToken ct = default) => ResolveAsync(taskId, requireRelease: true, ct);

    /// <summary>
    /// The task resolved for a preview on sample rows: released or not, but complete (FAILED_PRECONDITION lists what is missing).
    /// For the run machinery, which has already checked the caller's role.
    /// </summary>
    public Task<ResolvedTask> ResolveForPreviewAsync(Guid taskId, CancellationToken ct = default) => ResolveAsync(taskId, requireRelease: false, ct);

    private async Task<ResolvedTask> ResolveAsync(Guid taskId, bool requireRelease, CancellationToken ct) =>
        await scope.ReadAsync(async db =>
        {
            var task = await db.Tasks.FirstOrDefaultAsync(t => t.Id == taskId, ct) ?? throw DomainException.NotFound("Task", taskId);
            if (requireRelease && (task.Status != EtlTaskStatus.Released || task.ReleasedAt is null)) throw DomainException.Precondition("Only a released task can run; release it first.");
            var config = TaskConfigurationJson.Read(task.ConfigurationJson);
            var scripts = await ScriptFactsAsync(db, config, ct);
            var connections = await ConnectionKindsAsync(db, config, ct);
            var problems = TaskValidator.Check(config, scripts, connections);
            if (problems.Count > 0) throw DomainException.Precondition($"The task cannot run: {string.Join("; ", problems.Select(p => p.Problem))}");
            return TaskResolver.Resolve(task.Id, task.Name, task.ReleasedAt ?? task.UpdatedAt, config, scripts, connections);
        }, ct);

    private async Task ChangeAsync(Actor actor, Guid id, string action, string part, Func<TaskConfiguration, object?> select,
        Func<TaskConfiguration, Task<TaskConfiguration>> change, CancellationToken ct, Action? check = null)
    {
        await policy.DemandRoleAsync(actor, UserRole.EditTask, action, "EtlTask", id, ct);
        check?.Invoke();
        var now = time.GetUtcNow();
        await scope.RunAsync(async db =>
        {
            var task = await db.Tasks.FirstOrDefaultAsync(t => t.Id == id, ct) ?? throw DomainException.NotFound("Task", id);
            var before = TaskConfigurationJson.Read(task.ConfigurationJson);
            var after = await change(before);
            ValidationException.ThrowIfAny((await CheckAsync(db, after, ct)).Where(p => p.BlocksSave).Select(p => p.Problem).ToList());
            // Only the part this method owns is audited, so an entry shows what this change did.
            var changes = new AuditChanges().Field(part, JsonSerializer.Serialize(select(before), AuditJson), JsonSerializer.Serialize(select(after), AuditJson));
            task.ConfigurationJson = TaskConfigurationJson.Write(after);
            if (task.Status == EtlTaskStatus.Released)
            {
                task.Status = EtlTaskStatus.Draft;
                changes.Field("status", "Released", "Draft");
            }
            task.UpdatedAt = now;
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, actor, action, "EtlTask", id, changes, ct);
        }, ct);
    }

    private async Task DemandReadAsync(Actor actor, Guid? id, CancellationToken ct)
    {
        var p = await policy.GetAsync(actor.UserId, ct);
        if (p.HasRole(UserRole.EditTask, policy.Now) || p.HasRole(UserRole.ProcessEtlTask, policy.Now) || p.IsAdmin(policy.Now)) return;
        await policy.DenyAsync(actor, "task.read", "EtlTask", id, "Reading tasks needs the EDIT_TASK or PROCESS_ETL_TASK role.", ct);
    }

    private static async Task<IReadOnlyList<TaskProblem>> CheckAsync(EtlStudioDbContext db, TaskConfiguration c, CancellationToken ct) =>
        TaskValidator.Check(c, await ScriptFactsAsync(db, c, ct), await ConnectionKindsAsync(db, c, ct));

    internal static async Task<IReadOnlyDictionary<Guid, TaskValidator.ScriptFacts>> ScriptFactsAsync(EtlStudioDbContext db, TaskConfiguration c, CancellationToken ct)
    {
        var ids = ReferencedScripts(c);
        var rows = await db.Scripts.Where(s => ids.Contains(s.Id)).Select(s => new { s.Id, s.Kind, s.Released, s.SettingsJson, s.Body }).ToListAsync(ct);
        return rows.ToDictionary(r => r.Id, r =>
        {
            var (rule, anonymization, transformation) = ScriptSettingsJson.Read(r.SettingsJson);
            return new TaskValidator.ScriptFacts(r.Kind, r.Released, rule, anonymization, transformation, r.Body);
        });
    }

    private static async Task<IReadOnlyDictionary<Guid, ConnectionKind>> ConnectionKindsAsync(EtlStudioDbContext db, TaskConfiguration c, CancellationToken ct)
    {
        var ids = c.Tables.SelectMany(t => t.Extractions).Select(e => e.ConnectionId)
            .Concat(c.Upload?.DestinationConnectionId is { } d ? [d] : []).Distinct().ToList();
        return await db.Connections.Where(x => ids.Contains(x.Id)).ToDictionaryAsync(x => x.Id, x => x.Kind, ct);
    }

    /// <summary>Every script the configuration points at.</summary>
    internal static List<Guid> ReferencedScripts(TaskConfiguration c) =>
        c.Tables.SelectMany(t => t.Extractions.Select(e => e.ScriptId).Concat(t.Columns.SelectMany(col => col.FieldRuleScriptIds.Concat(col.AnonymizationScriptId is { } a ? [a] : []))))
            .Concat(c.TransformationScriptIds).Concat(c.Upload?.ScriptId is { } u ? [u] : []).Distinct().ToList();

    private static IEnumerable<(string Table, ColumnConfig Column)> ColumnsOf(TaskConfiguration c, IReadOnlyList<(string Table, string Column)> touched) =>
        c.Tables.SelectMany(t => t.Columns.Where(col => touched.Any(b => Matches(b.Table, b.Column, t, col))).Select(col => (t.Name, col)));

    private static bool Matches(string table, string column, TableConfig t, ColumnConfig col) =>
        string.Equals(table, t.Name, StringComparison.OrdinalIgnoreCase) && string.Equals(column, col.Name, StringComparison.OrdinalIgnoreCase);

    private static TaskConfiguration EnsureColumns(TaskConfiguration c, IEnumerable<(string Table, string Column)> bindings)
    {
        var unknown = bindings.Where(b => !c.Tables.Any(t => t.Columns.Any(col => Matches(b.Table, b.Column, t, col))))
            .Select(b => new ValidationProblem($"tables[{b.Table}].columns[{b.Column}]", "There is no such column; declare it with the table first (UpdateExtractionScript).")).ToList();
        ValidationException.ThrowIfAny(unknown);
        return c;
    }

    private static void CheckBindings(IEnumerable<(string Table, string Column)> bindings)
    {
        var bad = bindings.Where(b => string.IsNullOrWhiteSpace(b.Table) || string.IsNullOrWhiteSpace(b.Column))
            .Select(b => new ValidationProblem($"tables[{b.Table}].columns[{b.Column}]", "Name the table and the column.")).ToList();
        ValidationException.ThrowIfAny(bad);
    }
}
