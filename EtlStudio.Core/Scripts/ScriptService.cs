using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
using EtlStudio.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Core.Scripts;

/// <summary>
/// Scripts (use case Manage Scripts): create, edit, release, read, history. A released script is
/// frozen: editing it makes a new draft derived from it, so tasks using the released one never change.
/// </summary>
public sealed class ScriptService(ChangeScope scope, AccessPolicy policy, AuditTrail audit, TimeProvider time)
{
    /// <summary>Creates a draft script (EDIT_TASK); refused with every problem of its kind at once.</summary>
    public async Task<Guid> CreateAsync(Actor actor, ScriptInput input, CancellationToken ct = default)
    {
        await policy.DemandRoleAsync(actor, UserRole.EditTask, "script.create", "Script", null, ct);
        ValidationException.ThrowIfAny(ScriptValidator.Validate(input));
        var now = time.GetUtcNow();
        var script = new Script
        {
            Id = Guid.NewGuid(), TaskId = input.TaskId, Name = input.Name.Trim(), Kind = input.Kind, Body = input.Body,
            SettingsJson = ScriptSettingsJson.Write(input), FieldsJson = ScriptSettingsJson.WriteFields(input.Fields),
            CreatedBy = actor.UserId, CreatedAt = now, UpdatedAt = now,
        };
        await scope.RunAsync(async db =>
        {
            await EnsureTaskAsync(db, input.TaskId, ct);
            db.Scripts.Add(script);
            AddRevision(db, script, actor, now);
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, actor, "script.create", "Script", script.Id, new AuditChanges()
                .Created("name", script.Name).Created("kind", script.Kind.ToString()).Created("task", input.TaskId)
                .Created("body", script.Body).Created("settings", script.SettingsJson), ct);
        }, ct);
        return script.Id;
    }

    /// <summary>Saves changes; on a released script they go to a new draft. Returns the id that now holds them.</summary>
    public async Task<Guid> UpdateAsync(Actor actor, Guid scriptId, ScriptInput input, CancellationToken ct = default)
    {
        await policy.DemandRoleAsync(actor, UserRole.EditTask, "script.update", "Script", scriptId, ct);
        ValidationException.ThrowIfAny(ScriptValidator.Validate(input));
        var now = time.GetUtcNow();
        return await scope.RunAsync(async db =>
        {
            var current = await db.Scripts.FirstOrDefaultAsync(s => s.Id == scriptId, ct) ?? throw DomainException.NotFound("Script", scriptId);
            if (input.Kind != current.Kind) throw new ValidationException("kind", $"A script keeps its kind ({current.Kind}); create a new script instead.");
            await EnsureTaskAsync(db, input.TaskId, ct);
            var target = current;
            if (current.Released)
            {
                target = new Script
                {
                    Id = Guid.NewGuid(), Kind = current.Kind, Name = current.Name, TaskId = current.TaskId, DerivedFromId = current.Id,
                    CreatedBy = actor.UserId, CreatedAt = now, Revision = 0,
                };
                db.Scripts.Add(target);
            }
            var changes = new AuditChanges()
                .Field("name", target.Name, input.Name.Trim()).Field("task", target.TaskId, input.TaskId)
                .Field("body", target.Body, input.Body).Field("settings", target.SettingsJson, ScriptSettingsJson.Write(input))
                .Field("fields", target.FieldsJson, ScriptSettingsJson.WriteFields(input.Fields));
            if (current.Released) changes.Note("derivedFrom", current.Id);
            target.Name = input.Name.Trim();
            target.TaskId = input.TaskId;
            target.Body = input.Body;
            target.SettingsJson = ScriptSettingsJson.Write(input);
            target.FieldsJson = ScriptSettingsJson.WriteFields(input.Fields);
            target.Revision++;
            target.UpdatedAt = now;
            AddRevision(db, target, actor, now);
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, actor, current.Released ? "script.draft" : "script.update", "Script", target.Id, changes, ct);
            return target.Id;
        }, ct);
    }

    /// <summary>Freezes a script so tasks can use it; it must still meet every rule of its kind.</summary>
    public async Task ReleaseAsync(Actor actor, Guid scriptId, CancellationToken ct = default)
    {
        await policy.DemandRoleAsync(actor, UserRole.EditTask, "script.release", "Script", scriptId, ct);
        var now = time.GetUtcNow();
        await scope.RunAsync(async db =>
        {
            var s = await db.Scripts.FirstOrDefaultAsync(x => x.Id == scriptId, ct) ?? throw DomainException.NotFound("Script", scriptId);
            if (s.Released) throw DomainException.Precondition("This script is already released.");
            ValidationException.ThrowIfAny(ScriptValidator.Validate(ToInput(s)));
            s.Released = true;
            s.ReleasedAt = now;
            s.UpdatedAt = now;
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, actor, "script.release", "Script", s.Id, new AuditChanges().Field("released", false, true).Note("revision", s.Revision), ct);
        }, ct);
    }

    /// <summary>One script with its settings (EDIT_TASK, PROCESS_ETL_TASK or ADMIN).</summary>
    public async Task<ScriptView> GetAsync(Actor actor, Guid scriptId, CancellationToken ct = default)
    {
        await DemandReadAsync(actor, "script.read", scriptId, ct);
        var s = await scope.ReadAsync(db => db.Scripts.FirstOrDefaultAsync(x => x.Id == scriptId, ct), ct) ?? throw DomainException.NotFound("Script", scriptId);
        return ToView(s);
    }

    /// <summary>Scripts of a task (or all, with null), optionally of one kind, newest first.</summary>
    public async Task<Paged<ScriptView>> ListAsync(Actor actor, Guid? taskId, ScriptKind? kind, PageRequest page, string? search = null, CancellationToken ct = default)
    {
        await DemandReadAsync(actor, "script.list", taskId, ct);
        return await scope.ReadAsync(async db =>
        {
            var q = db.Scripts.AsQueryable();
            if (taskId is { } t) q = q.Where(s => s.TaskId == t);
            if (kind is { } k) q = q.Where(s => s.Kind == k);
            if (!string.IsNullOrWhiteSpace(search)) q = q.Where(s => EF.Functions.ILike(s.Name, $"%{search.Trim()}%"));
            var total = await q.LongCountAsync(ct);
            var rows = await q.OrderByDescending(s => s.UpdatedAt).Skip(page.Skip).Take(page.SafeSize).ToListAsync(ct);
            return new Paged<ScriptView>(rows.Select(ToView).ToList(), total, page.SafePage, page.SafeSize);
        }, ct);
    }

    /// <summary>Every saved revision of a script, newest first, with who saved it.</summary>
    public async Task<IReadOnlyList<ScriptRevisionView>> HistoryAsync(Actor actor, Guid scriptId, CancellationToken ct = default)
    {
        await DemandReadAsync(actor, "script.history", scriptId, ct);
        return await scope.ReadAsync<IReadOnlyList<ScriptRevisionView>>(async db => await (
            from r in db.ScriptRevisions
            join u in db.Users on r.ChangedBy equals u.Id
            where r.ScriptId == scriptId
            orderby r.Revision descending
            select new ScriptRevisionView(r.Revision, r.Body, r.SettingsJson, u.Login, r.ChangedAt)).ToListAsync(ct), ct);
    }

    /// <summary>Editors write scripts; task managers and administrators may read them.</summary>
    private async Task DemandReadAsync(Actor actor, string action, object? id, CancellationToken ct)
    {
        var p = await policy.GetAsync(actor.UserId, ct);
        if (p.HasRole(UserRole.EditTask, policy.Now) || p.HasRole(UserRole.ProcessEtlTask, policy.Now) || p.IsAdmin(policy.Now)) return;
        await policy.DenyAsync(actor, action, "Script", id, "Reading scripts needs the EDIT_TASK or PROCESS_ETL_TASK role.", ct);
    }

    private static async Task EnsureTaskAsync(EtlStudioDbContext db, Guid? taskId, CancellationToken ct)
    {
        if (taskId is { } t && !await db.Tasks.AnyAsync(x => x.Id == t, ct)) throw new ValidationException("taskId", $"Task {t} does not exist.");
    }

    private static void AddRevision(EtlStudioDbContext db, Script s, Actor actor, DateTimeOffset now) =>
        db.ScriptRevisions.Add(new ScriptRevision
        {
            Id = Guid.NewGuid(), ScriptId = s.Id, Revision = s.Revision, Body = s.Body, SettingsJson = s.SettingsJson,
            FieldsJson = s.FieldsJson, ChangedBy = actor.UserId, ChangedAt = now,
        });

    private static ScriptInput ToInput(Script s)
    {
        var (rule, anonymization, transformation) = ScriptSettingsJson.Read(s.SettingsJson);
        return new ScriptInput(s.Name, s.Kind, s.TaskId, s.Body, rule, anonymization, transformation, ScriptSettingsJson.ReadFields(s.FieldsJson));
    }

    private static ScriptView ToView(Script s)
    {
        var (rule, anonymization, transformation) = ScriptSettingsJson.Read(s.SettingsJson);
        return new ScriptView(s.Id, s.TaskId, s.Name, s.Kind, s.Body, rule, anonymization, transformation, ScriptSettingsJson.ReadFields(s.FieldsJson),
            s.Released, s.ReleasedAt, s.Revision, s.DerivedFromId, s.UpdatedAt);
    }
}
