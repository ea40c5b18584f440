using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Scripts;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Core.Tasks;

/// <summary>
/// ETL tasks (use case Manage ETL Task): each seed update method changes its part of the
/// configuration; release needs nothing missing. Changing a released task moves it back to Draft,
/// so what runs is always what was last released as a whole.
/// </summary>
public sealed class TaskService(ChangeScope scope, AccessPolicy policy, AuditTrail audit, TimeProvider time)
{
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

    public async Task<TaskView> GetAsync(Actor actor, Guid id, CancellationToken ct = default)
    {
        await DemandReadAsync(actor, id, ct);
        return await scope.ReadAsync(async db =>
        {
            var task = await db.Tasks.FirstOrDefaultAsync(t => t.Id == id, ct) ?? throw DomainException.NotFound("Task", id);
            var config = TaskConfigurationJson.Read(task.ConfigurationJson);
            var missing = TaskValidator.Validate(config, await ScriptFactsAsync(db, config, ct));
            return new TaskView(task.Id, task.Name, task.Description, task.Status, config, missing, task.UpdatedAt, task.ReleasedAt);
        }, ct);
    }

    /// <summary>The task's effective metadata as one JSON-LD document (schema.org Dataset, Croissant RecordSets).</summary>
    public async Task<string> ExportMetadataAsync(Actor actor, Guid id, bool includeIds = true, CancellationToken ct = default)
    {
        var view = await GetAsync(actor, id, ct);
        var c = view.Configuration;
        var ids = ReferencedScripts(c);
        var scripts = await scope.ReadAsync(async db => (await db.Scripts.Where(s => ids.Contains(s.Id)).ToListAsync(ct)), ct);
        var views = scripts.ToDictionary(s => s.Id, s =>
        {
            var (rule, anonymization, transformation) = ScriptSettingsJson.Read(s.SettingsJson);
            return new ScriptView(s.Id, s.TaskId, s.Name, s.Kind, s.Body, rule, anonymization, transformation, [], s.Released, s.ReleasedAt, s.Revision, s.DerivedFromId, s.UpdatedAt);
        });
        return TaskMetadata.Build(view.Name, view.Description, view.Status.ToString(), c, views, includeIds);
    }

    public async Task<Paged<TaskSummary>> ListAsync(Actor actor, PageRequest page, EtlTaskStatus? status = null, CancellationToken ct = default)
    {
        await DemandReadAsync(actor, null, ct);
        return await scope.ReadAsync(async db =>
        {
            var q = db.Tasks.AsQueryable();
            if (status is { } s) q = q.Where(t => t.Status == s);
            var total = await q.LongCountAsync(ct);
            var rows = await q.OrderBy(t => t.Name).Skip(page.Skip).Take(page.SafeSize).ToListAsync(ct);
            return new Paged<TaskSummary>(rows.Select(t => new TaskSummary(t.Id, t.Name, t.Status, TaskConfigurationJson.Read(t.ConfigurationJson).Tables.Count, t.UpdatedAt)).ToList(),
                total, page.SafePage, page.SafeSize);
        }, ct);
    }

    /// <summary>UpdateExtractionScript: the tables — columns, keys and extraction scripts with their sources and priorities.</summary>
    public Task UpdateTablesAsync(Actor actor, Guid id, IReadOnlyList<TableConfig> tables, CancellationToken ct = default) =>
        ChangeAsync(actor, id, "task.update.tables", async c =>
        {
            foreach (var e in tables.SelectMany(t => t.Extractions).DistinctBy(e => e.ConnectionId))
                await policy.DemandAccessAsync(actor, e.ConnectionId, AccessType.Read, "task.update.tables", "EtlTask", id, ct);
            // Rules and anonymization stay with their columns when a table is redefined.
            var previous = c.Tables.SelectMany(t => t.Columns.Select(col => (Key: (t.Name.ToLowerInvariant(), col.Name.ToLowerInvariant()), col)))
                .ToDictionary(x => x.Key, x => x.col);
            var merged = tables.Select(t => t with
            {
                Columns = t.Columns.Select(col => previous.TryGetValue((t.Name.ToLowerInvariant(), col.Name.ToLowerInvariant()), out var old) && col.FieldRuleScriptIds.Count == 0 && col.AnonymizationScriptId is null
                    ? col with { FieldRuleScriptIds = old.FieldRuleScriptIds, AnonymizationScriptId = old.AnonymizationScriptId, QuasiIdentifier = old.QuasiIdentifier || col.QuasiIdentifier, Sensitive = old.Sensitive || col.Sensitive }
                    : col).ToList(),
            }).ToList();
            return c with { Tables = merged };
        }, ct);

    public Task UpdateFieldRulesAsync(Actor actor, Guid id, IReadOnlyList<FieldRuleBinding> rules, CancellationToken ct = default) =>
        ChangeAsync(actor, id, "task.update.fieldRules", c => Task.FromResult(EnsureColumns(c, rules.Select(r => (r.Table, r.Column))) with
        {
            Tables = c.Tables.Select(t => t with
            {
                Columns = t.Columns.Select(col => Find(rules, t, col) is { } b ? col with { FieldRuleScriptIds = b.ScriptIds.Distinct().ToList() } : col).ToList(),
            }).ToList(),
        }), ct, () => CheckBindings(rules.Select(r => (r.Table, r.Column))));

    public Task UpdateAnonymizationAsync(Actor actor, Guid id, IReadOnlyList<AnonymizationBinding> rules, PrivacySettings? privacy, CancellationToken ct = default) =>
        ChangeAsync(actor, id, "task.update.anonymization", c => Task.FromResult(EnsureColumns(c, rules.Select(r => (r.Table, r.Column))) with
        {
            Tables = c.Tables.Select(t => t with
            {
                Columns = t.Columns.Select(col => rules.FirstOrDefault(b => Matches(b.Table, b.Column, t, col)) is { } b
                    ? col with { AnonymizationScriptId = b.ScriptId, QuasiIdentifier = b.QuasiIdentifier, Sensitive = b.Sensitive } : col).ToList(),
            }).ToList(),
            Privacy = privacy ?? c.Privacy,
        }), ct, () => CheckBindings(rules.Select(r => (r.Table, r.Column))));

    public Task UpdateTransformationsAsync(Actor actor, Guid id, IReadOnlyList<Guid> scriptIds, CancellationToken ct = default) =>
        ChangeAsync(actor, id, "task.update.transformations", c => Task.FromResult(c with { TransformationScriptIds = scriptIds.ToList() }), ct);

    public Task UpdateUploadAsync(Actor actor, Guid id, UploadConfig upload, CancellationToken ct = default) =>
        ChangeAsync(actor, id, "task.update.upload", async c =>
        {
            if (upload.DestinationConnectionId is { } dest)
                await policy.DemandAccessAsync(actor, dest, AccessType.Write, "task.update.upload", "EtlTask", id, ct);
            return c with { Upload = upload };
        }, ct);

    /// <summary>Releases the task when nothing is missing; otherwise lists every missing part (the use case's alternate path).</summary>
    public async Task ReleaseAsync(Actor actor, Guid id, CancellationToken ct = default)
    {
        await policy.DemandRoleAsync(actor, UserRole.EditTask, "task.release", "EtlTask", id, ct);
        var view = await GetAsync(actor, id, ct);
        if (view.Status == EtlTaskStatus.Released) throw DomainException.Precondition("The task is already released.");
        ValidationException.ThrowIfAny(view.Missing);
        // Access may have been revoked since the sources were chosen: check again now.
        foreach (var e in view.Configuration.Tables.SelectMany(t => t.Extractions).DistinctBy(e => e.ConnectionId))
            await policy.DemandAccessAsync(actor, e.ConnectionId, AccessType.Read, "task.release", "EtlTask", id, ct);
        await policy.DemandAccessAsync(actor, view.Configuration.Upload!.DestinationConnectionId!.Value, AccessType.Write, "task.release", "EtlTask", id, ct);
        var now = time.GetUtcNow();
        await scope.RunAsync(async db =>
        {
            var task = await db.Tasks.FirstAsync(t => t.Id == id, ct);
            task.Status = EtlTaskStatus.Released;
            task.ReleasedAt = now;
            task.UpdatedAt = now;
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, actor, "task.release", "EtlTask", id, new AuditChanges().Field("status", "Draft", "Released"), ct);
        }, ct);
    }

    private async Task ChangeAsync(Actor actor, Guid id, string action, Func<TaskConfiguration, Task<TaskConfiguration>> change, CancellationToken ct, Action? check = null)
    {
        await policy.DemandRoleAsync(actor, UserRole.EditTask, action, "EtlTask", id, ct);
        check?.Invoke();
        var now = time.GetUtcNow();
        await scope.RunAsync(async db =>
        {
            var task = await db.Tasks.FirstOrDefaultAsync(t => t.Id == id, ct) ?? throw DomainException.NotFound("Task", id);
            var before = TaskConfigurationJson.Read(task.ConfigurationJson);
            var after = await change(before);
            var structural = TaskValidator.Validate(after, await ScriptFactsAsync(db, after, ct))
                .Where(p => p.Message.Contains("does not exist", StringComparison.Ordinal) || p.Message.Contains(" script, not a ", StringComparison.Ordinal)).ToList();
            ValidationException.ThrowIfAny(structural);
            var changes = new AuditChanges().Field("configuration", task.ConfigurationJson, TaskConfigurationJson.Write(after));
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

    private static async Task<IReadOnlyDictionary<Guid, TaskValidator.ScriptFacts>> ScriptFactsAsync(EtlStudioDbContext db, TaskConfiguration c, CancellationToken ct)
    {
        var ids = ReferencedScripts(c);
        var rows = await db.Scripts.Where(s => ids.Contains(s.Id)).Select(s => new { s.Id, s.Kind, s.Released, s.SettingsJson }).ToListAsync(ct);
        return rows.ToDictionary(r => r.Id, r =>
        {
            var (rule, anonymization, _) = ScriptSettingsJson.Read(r.SettingsJson);
            return new TaskValidator.ScriptFacts(r.Kind, r.Released, rule, anonymization);
        });
    }

    /// <summary>Every script the configuration points at.</summary>
    private static List<Guid> ReferencedScripts(TaskConfiguration c) =>
        c.Tables.SelectMany(t => t.Extractions.Select(e => e.ScriptId).Concat(t.Columns.SelectMany(col => col.FieldRuleScriptIds.Concat(col.AnonymizationScriptId is { } a ? [a] : []))))
            .Concat(c.TransformationScriptIds).Concat(c.Upload?.ScriptId is { } u ? [u] : []).Distinct().ToList();

    private static FieldRuleBinding? Find(IReadOnlyList<FieldRuleBinding> rules, TableConfig t, ColumnConfig col) =>
        rules.FirstOrDefault(b => Matches(b.Table, b.Column, t, col));

    private static bool Matches(string table, string column, TableConfig t, ColumnConfig col) =>
        string.Equals(table, t.Name, StringComparison.OrdinalIgnoreCase) && string.Equals(column, col.Name, StringComparison.OrdinalIgnoreCase);

    private static TaskConfiguration EnsureColumns(TaskConfiguration c, IEnumerable<(string Table, string Column)> bindings)
    {
        var unknown = bindings.Where(b => !c.Tables.Any(t => c.Tables.Count > 0 && t.Columns.Any(col => Matches(b.Table, b.Column, t, col))))
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
