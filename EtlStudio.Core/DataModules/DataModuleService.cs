using System.Text.Json;
using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
using EtlStudio.Core.Upload;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace EtlStudio.Core.DataModules;

/// <summary>
/// Published data modules (feature 9): the destinations with their current version, version history, making an earlier
/// version current again, and the metadata document (export, and import as the module's contract).
/// </summary>
public sealed class DataModuleService(ChangeScope scope, AccessPolicy policy, AuditTrail audit, ConnectionService connections, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Destinations of tasks and modules with versions; people with a data role see all, others those they have access to.</summary>
    public async Task<Paged<DataModuleView>> ListAsync(Actor actor, PageRequest page, CancellationToken ct = default)
    {
        var p = await policy.GetAsync(actor.UserId, ct);
        var seesAll = IsReader(p);
        return await scope.ReadAsync(async db =>
        {
            var destinations = await db.Database.SqlQueryRaw<Guid>(
                "SELECT DISTINCT (configuration_json->'upload'->>'destinationConnectionId')::uuid AS \"Value\" FROM app.etl_tasks WHERE configuration_json->'upload'->>'destinationConnectionId' IS NOT NULL")
                .ToListAsync(ct);
            var q = db.Connections.Where(c => destinations.Contains(c.Id) || db.DatamoduleVersions.Any(v => v.ConnectionId == c.Id));
            if (!seesAll)
            {
                var mine = p.Grants.Where(g => g.ExpiresAt is null || g.ExpiresAt > policy.Now).Select(g => g.ConnectionId).Distinct().ToList();
                q = q.Where(c => mine.Contains(c.Id));
            }
            var total = await q.LongCountAsync(ct);
            var rows = await q.OrderBy(c => c.Name).Skip(page.Skip).Take(page.SafeSize)
                .Select(c => new
                {
                    c.Id, c.Name, c.Kind, c.Description, c.Version, c.CollectionProtocolJson,
                    Count = db.DatamoduleVersions.Count(v => v.ConnectionId == c.Id),
                    Last = db.DatamoduleVersions.Where(v => v.ConnectionId == c.Id).Max(v => (DateTimeOffset?)v.CreatedAt),
                }).ToListAsync(ct);
            var items = rows.Select(r => new DataModuleView(r.Id, r.Name, r.Kind, r.Description, r.Version, r.Count, r.Last, r.CollectionProtocolJson,
                Enum.GetValues<AccessType>().Where(a => p.Grants.Any(g => g.ConnectionId == r.Id && g.Access == a && (g.ExpiresAt is null || g.ExpiresAt > policy.Now))).ToList())).ToList();
            return new Paged<DataModuleView>(items, total, page.SafePage, page.SafeSize);
        }, ct);
    }

    public async Task<IReadOnlyList<DataModuleVersionView>> VersionsAsync(Actor actor, Guid connectionId, CancellationToken ct = default)
    {
        await DemandReadAsync(actor, connectionId, "datamodule.versions", ct);
        return await scope.ReadAsync(async db =>
        {
            var current = await db.Connections.Where(c => c.Id == connectionId).Select(c => (int?)c.Version).FirstOrDefaultAsync(ct)
                          ?? throw DomainException.NotFound("Data module", connectionId);
            var rows = await (from v in db.DatamoduleVersions
                              where v.ConnectionId == connectionId
                              join r in db.Runs on v.RunId equals r.Id
                              join t in db.Tasks on r.TaskId equals t.Id
                              join u in db.Users on v.CreatedBy equals u.Id
                              orderby v.Version descending
                              select new { v.Version, v.RunId, r.Number, TaskName = t.Name, v.CreatedBy, u.Login, v.CreatedAt, v.TablesJson, v.PrivacyReportJson, r.PrivacyGateJson })
                .ToListAsync(ct);
            return (IReadOnlyList<DataModuleVersionView>)rows.Select(r => new DataModuleVersionView(r.Version, r.Version == current, r.RunId, r.Number, r.TaskName,
                r.CreatedBy, r.Login, r.CreatedAt, JsonSerializer.Deserialize<List<PublishedTable>>(r.TablesJson, Json) ?? [], r.PrivacyReportJson, r.PrivacyGateJson)).ToList();
        }, ct);
    }

    /// <summary>
    /// Makes an earlier version current again (an owner or WRITE): for PostgreSQL the destination's views are rewritten to
    /// that version's tables in one destination transaction, for S3 the pointer object is rewritten; then the connection's version and protocol follow, audited.
    /// </summary>
    public async Task MakeCurrentAsync(Actor actor, Guid connectionId, int version, CancellationToken ct = default)
    {
        await policy.DemandAccessAsync(actor, connectionId, AccessType.Write, "datamodule.make_current", "Connection", connectionId, ct);
        var stored = await scope.ReadAsync(db => db.DatamoduleVersions.Where(v => v.ConnectionId == connectionId && v.Version == version)
            .Select(v => new { v.TablesJson }).FirstOrDefaultAsync(ct), ct) ?? throw DomainException.NotFound($"Version {version} of data module", connectionId);
        var secret = await connections.GetSecretAsync(connectionId, ct);
        var published = new PublishedVersion(version, JsonSerializer.Deserialize<List<PublishedTable>>(stored.TablesJson, Json) ?? []);
        if (secret.Kind == ConnectionKind.PostgreSql)
        {
            await using var dest = new NpgsqlConnection(secret.Value);
            await dest.OpenAsync(ct);
            await DestinationProtocol.LockAndPrepareAsync(dest, ct);
            await using var tx = await dest.BeginTransactionAsync(ct);
            published = await DestinationProtocol.MakeCurrentAsync(dest, tx, version, ct)
                        ?? throw DomainException.Precondition($"The destination database has no record of version {version}; it cannot be made current.");
            await tx.CommitAsync(ct);
            await DestinationProtocol.UnlockAsync(dest, ct);
        }
        else if (secret.Kind == ConnectionKind.S3 && !await S3Destination.MakeCurrentAsync(S3Location.Parse(secret.Value), version, published.Tables.Select(t => t.Name), ct))
            throw DomainException.Precondition($"The bucket holds no metadata for version {version}; it cannot be made current.");
        await scope.RunAsync(async db =>
        {
            var c = await db.Connections.FirstAsync(x => x.Id == connectionId, ct);
            var before = c.Version;
            c.Version = version;
            c.CollectionProtocolJson = DataModuleMetadata.Protocol(c.Kind, version, published).ToJsonString();
            c.UpdatedAt = time.GetUtcNow();
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, actor, "datamodule.make_current", "Connection", connectionId, new AuditChanges().Field("version", before, version), ct);
        }, ct);
    }

    /// <summary>The metadata of a version (default: the current one) as stored at upload; without versions, the module's contract.</summary>
    public async Task<string> ExportMetadataAsync(Actor actor, Guid connectionId, int? version = null, CancellationToken ct = default)
    {
        await DemandReadAsync(actor, connectionId, "datamodule.export", ct);
        return await scope.ReadAsync(async db =>
        {
            var c = await db.Connections.Where(x => x.Id == connectionId).Select(x => new { x.Version, x.ContractJson }).FirstOrDefaultAsync(ct)
                    ?? throw DomainException.NotFound("Data module", connectionId);
            var wanted = version ?? c.Version;
            var metadata = await db.DatamoduleVersions.Where(v => v.ConnectionId == connectionId && v.Version == wanted).Select(v => v.MetadataJson).FirstOrDefaultAsync(ct);
            if (metadata is not null) return JsonDocumentFormat(metadata);
            if (version is not null) throw DomainException.NotFound($"Version {version} of data module", connectionId);
            return JsonDocumentFormat(c.ContractJson);
        }, ct);
    }

    /// <summary>Validates a metadata document (Dataset with Croissant RecordSets and typed Fields) and makes it the module's contract (owner).</summary>
    public async Task ImportMetadataAsync(Actor actor, Guid connectionId, string document, CancellationToken ct = default)
    {
        await policy.DemandAccessAsync(actor, connectionId, AccessType.Owner, "datamodule.import", "Connection", connectionId, ct);
        var normalized = DataModuleContract.Validate(document);
        await scope.RunAsync(async db =>
        {
            var c = await db.Connections.FirstOrDefaultAsync(x => x.Id == connectionId, ct) ?? throw DomainException.NotFound("Data module", connectionId);
            var changes = new AuditChanges().Field("contract", c.ContractJson, normalized);
            c.ContractJson = normalized;
            c.UpdatedAt = time.GetUtcNow();
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, actor, "datamodule.import", "Connection", connectionId, changes, ct);
        }, ct);
    }

    private async Task DemandReadAsync(Actor actor, Guid connectionId, string action, CancellationToken ct)
    {
        var p = await policy.GetAsync(actor.UserId, ct);
        if (IsReader(p) || p.HasAccess(connectionId, AccessType.Read, policy.Now) || p.HasAccess(connectionId, AccessType.Write, policy.Now)) return;
        await policy.DenyAsync(actor, action, "Connection", connectionId, "Viewing a data module needs a data role (MANAGE_DATA, PROCESS_ETL_TASK, EDIT_TASK) or access to it.", ct);
    }

    private bool IsReader(UserPermissions p) =>
        p.HasRole(UserRole.ManageData, policy.Now) || p.HasRole(UserRole.ProcessEtlTask, policy.Now) || p.HasRole(UserRole.EditTask, policy.Now) || p.IsAdmin(policy.Now);

    // jsonb storage reorders keys and drops indentation; give people the readable form back.
    private static string JsonDocumentFormat(string json) =>
        System.Text.Json.Nodes.JsonNode.Parse(json)?.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) ?? "{}";
}
