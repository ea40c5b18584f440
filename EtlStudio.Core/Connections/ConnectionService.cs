using System.Diagnostics;
using System.Text.Json;
using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
using EtlStudio.Core.Notifications;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Secrets;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace EtlStudio.Core.Connections;

/// <summary>Connections to external data modules (use case Manage External Datamodule Connection).</summary>
public sealed class ConnectionService(ChangeScope scope, AccessPolicy policy, AuditTrail audit, SecretProtector secrets,
    NotificationService notifications, TimeProvider time, IHttpClientFactory httpClients)
{
    public async Task<Guid> CreateAsync(Actor actor, ConnectionInput input, CancellationToken ct = default)
    {
        await policy.DemandRoleAsync(actor, UserRole.CreateExtDatamodule, "connection.create", "Connection", null, ct);
        Validate(input, isNew: true);
        var now = time.GetUtcNow();
        var connection = new Connection
        {
            Id = Guid.NewGuid(), Name = input.Name.Trim(), Kind = input.Kind, Description = input.Description?.Trim() ?? "",
            ContractJson = NormalizeJson(input.ContractJson), SecretCipher = secrets.Protect(input.Secret!.Trim()),
            SecretHint = SecretMasking.Hint(input.Kind, input.Secret.Trim()), CreatedBy = actor.UserId, CreatedAt = now, UpdatedAt = now,
        };
        var owners = (input.OwnerIds ?? []).Append(actor.UserId).Distinct().ToList();
        await scope.RunAsync(async db =>
        {
            await EnsureUsersExistAsync(db, owners, ct);
            db.Connections.Add(connection);
            foreach (var owner in owners)
                db.ConnectionGrants.Add(new ConnectionGrant { Id = Guid.NewGuid(), ConnectionId = connection.Id, UserId = owner, Access = AccessType.Owner, GrantedBy = actor.UserId, GrantedAt = now });
            foreach (var owner in owners.Where(o => o != actor.UserId))
                notifications.Add(db, owner, $"You own the connection {connection.Name}", $"{actor.Login} made you an owner of {connection.Name}.", $"/connections/{connection.Id}");
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, actor, "connection.create", "Connection", connection.Id, new AuditChanges()
                .Created("name", connection.Name).Created("kind", connection.Kind.ToString()).Created("description", connection.Description)
                .Created("owners", owners).Secret("secret"), ct);
        }, ct);
        owners.ForEach(policy.Invalidate);
        notifications.Publish(owners);
        return connection.Id;
    }

    public async Task UpdateAsync(Actor actor, Guid id, ConnectionInput input, CancellationToken ct = default)
    {
        await policy.DemandAccessAsync(actor, id, AccessType.Owner, "connection.update", "Connection", id, ct);
        Validate(input, isNew: false);
        var now = time.GetUtcNow();
        var newOwners = new List<Guid>();
        await scope.RunAsync(async db =>
        {
            var c = await db.Connections.FirstOrDefaultAsync(x => x.Id == id, ct) ?? throw DomainException.NotFound("Connection", id);
            var changes = new AuditChanges()
                .Field("name", c.Name, input.Name.Trim())
                .Field("kind", c.Kind.ToString(), input.Kind.ToString())
                .Field("description", c.Description, input.Description?.Trim() ?? "")
                .Field("contract", c.ContractJson, NormalizeJson(input.ContractJson));
            c.Name = input.Name.Trim();
            c.Kind = input.Kind;
            c.Description = input.Description?.Trim() ?? "";
            c.ContractJson = NormalizeJson(input.ContractJson);
            if (!string.IsNullOrWhiteSpace(input.Secret))
            {
                c.SecretCipher = secrets.Protect(input.Secret.Trim());
                c.SecretHint = SecretMasking.Hint(input.Kind, input.Secret.Trim());
                changes.Secret("secret");
            }
            c.UpdatedAt = now;
            if (input.OwnerIds is { Count: > 0 } wanted)
            {
                var current = await db.ConnectionGrants.Where(g => g.ConnectionId == id && g.Access == AccessType.Owner).ToListAsync(ct);
                var target = wanted.Distinct().ToList();
                if (target.Count == 0) throw new ValidationException("owners", "A connection needs at least one owner.");
                await EnsureUsersExistAsync(db, target, ct);
                foreach (var g in current.Where(g => !target.Contains(g.UserId))) db.ConnectionGrants.Remove(g);
                foreach (var u in target.Where(u => current.All(g => g.UserId != u)))
                {
                    db.ConnectionGrants.Add(new ConnectionGrant { Id = Guid.NewGuid(), ConnectionId = id, UserId = u, Access = AccessType.Owner, GrantedBy = actor.UserId, GrantedAt = now });
                    notifications.Add(db, u, $"You own the connection {c.Name}", $"{actor.Login} made you an owner of {c.Name}.", $"/connections/{id}");
                    newOwners.Add(u);
                }
                changes.Field("owners", current.Select(g => g.UserId).Order().ToList(), target.Order().ToList());
                foreach (var u in current.Select(g => g.UserId).Concat(target)) policy.Invalidate(u);
            }
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, actor, "connection.update", "Connection", id, changes, ct);
        }, ct);
        notifications.Publish(newOwners);
    }

    public async Task<ConnectionView> GetAsync(Actor actor, Guid id, CancellationToken ct = default) =>
        (await QueryAsync(actor, id, null, new PageRequest(1, 1), ct)).Items.FirstOrDefault() ?? throw DomainException.NotFound("Connection", id);

    /// <summary>Every signed-in user can see which connections exist and their own access, so they can ask for more.</summary>
    public Task<Paged<ConnectionView>> ListAsync(Actor actor, PageRequest page, string? search = null, CancellationToken ct = default) =>
        QueryAsync(actor, null, search, page, ct);

    private Task<Paged<ConnectionView>> QueryAsync(Actor actor, Guid? id, string? search, PageRequest page, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        return scope.ReadAsync(async db =>
        {
            var q = db.Connections.AsQueryable();
            if (id is { } only) q = q.Where(c => c.Id == only);
            if (!string.IsNullOrWhiteSpace(search)) q = q.Where(c => EF.Functions.ILike(c.Name, $"%{search.Trim()}%"));
            var total = await q.LongCountAsync(ct);
            var rows = await q.OrderBy(c => c.Name).Skip(page.Skip).Take(page.SafeSize).ToListAsync(ct);
            var ids = rows.Select(r => r.Id).ToList();
            var grants = await db.ConnectionGrants.Where(g => ids.Contains(g.ConnectionId) && (g.ExpiresAt == null || g.ExpiresAt > now))
                .Join(db.Users, g => g.UserId, u => u.Id, (g, u) => new { g.ConnectionId, g.UserId, g.Access, u.Login, u.DisplayName }).ToListAsync(ct);
            var pending = await db.AccessRequests.Where(r => ids.Contains(r.ConnectionId) && r.RequesterId == actor.UserId && r.Status == AccessRequestStatus.Pending)
                .Select(r => new { r.ConnectionId, r.Access }).ToListAsync(ct);
            var items = rows.Select(c => new ConnectionView(c.Id, c.Name, c.Kind, c.Description, c.ContractJson, c.SecretHint, c.Version, c.CollectionProtocolJson,
                grants.Where(g => g.ConnectionId == c.Id && g.Access == AccessType.Owner).Select(g => new OwnerView(g.UserId, g.Login, g.DisplayName)).ToList(),
                grants.Where(g => g.ConnectionId == c.Id && g.UserId == actor.UserId).Select(g => g.Access).Distinct().Order().ToList(),
                pending.Where(p => p.ConnectionId == c.Id).Select(p => p.Access).ToList(),
                c.CreatedAt, c.UpdatedAt)).ToList();
            return new Paged<ConnectionView>(items, total, page.SafePage, page.SafeSize);
        }, ct);
    }

    /// <summary>Tries to reach the data module with the stored details; the answer never contains the secret.</summary>
    public async Task<ConnectionTestResult> TestAsync(Actor actor, Guid id, CancellationToken ct = default)
    {
        var p = await policy.GetAsync(actor.UserId, ct);
        if (!p.HasAccess(id, AccessType.Read, policy.Now) && !p.HasAccess(id, AccessType.Write, policy.Now))
            await policy.DenyAsync(actor, "connection.test", "Connection", id, "Testing a connection needs READ, WRITE or OWNER access to it.", ct);
        var secret = await GetSecretAsync(id, ct);
        var sw = Stopwatch.StartNew();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            if (secret.Kind == ConnectionKind.S3) return await TestS3Async(S3Location.Parse(secret.Value), sw, timeout.Token);
            if (secret.Kind == ConnectionKind.PostgreSql)
            {
                var builder = new NpgsqlConnectionStringBuilder(secret.Value) { Timeout = 10, Pooling = false };
                await using var conn = new NpgsqlConnection(builder.ConnectionString);
                await conn.OpenAsync(timeout.Token);
                await using var cmd = new NpgsqlCommand("SELECT version()", conn);
                var version = (string?)await cmd.ExecuteScalarAsync(timeout.Token);
                return new(true, $"Connected: {version?.Split(',')[0]}", sw.Elapsed);
            }
            var (baseUrl, headers) = secret.AsHttp();
            using var request = new HttpRequestMessage(HttpMethod.Get, baseUrl);
            foreach (var h in headers) request.Headers.TryAddWithoutValidation(h.Key, h.Value);
            using var response = await httpClients.CreateClient("connections").SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return new((int)response.StatusCode < 500, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", sw.Elapsed);
        }
        catch (Exception ex) when (ex is NpgsqlException or HttpRequestException or OperationCanceledException or ArgumentException or UriFormatException
                                       or System.Net.Sockets.SocketException or Amazon.Runtime.AmazonServiceException or ValidationException)
        {
            // Exception messages from drivers can echo parts of the connection string; keep only the kind of failure.
            var reason = ex switch
            {
                PostgresException pg => $"PostgreSQL refused: {pg.SqlState} {pg.MessageText}",
                OperationCanceledException => "No answer within 10 seconds.",
                HttpRequestException h => $"HTTP request failed: {h.HttpRequestError}",
                Amazon.S3.AmazonS3Exception s3 => $"S3 refused: {s3.ErrorCode} (HTTP {(int)s3.StatusCode})",
                Amazon.Runtime.AmazonServiceException => "Could not reach the S3 endpoint.",
                ArgumentException or UriFormatException or ValidationException => "The connection details are not well formed.",
                _ => "Could not reach the server.",
            };
            return new(false, reason, sw.Elapsed);
        }
    }

    /// <summary>Lists (a few of) the objects under the connection's prefix: proves the endpoint, the key pair and the bucket at once.</summary>
    private static async Task<ConnectionTestResult> TestS3Async(S3Location location, Stopwatch sw, CancellationToken ct)
    {
        using var client = location.CreateClient();
        var listed = await client.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request
        {
            BucketName = location.Bucket, Prefix = location.Prefix.Length == 0 ? null : location.Prefix + "/", MaxKeys = 20,
        }, ct);
        var keys = listed.S3Objects ?? [];
        var shown = string.Join(", ", keys.Take(5).Select(o => o.Key));
        var more = listed.IsTruncated == true ? " and more" : "";
        return new(true, keys.Count == 0
            ? $"Connected: s3://{location.Bucket}/{location.Prefix} is empty."
            : $"Connected: s3://{location.Bucket}/{location.Prefix} holds {keys.Count}{more} object(s): {shown}{(keys.Count > 5 ? ", …" : "")}", sw.Elapsed);
    }

    /// <summary>The decrypted details, for the pipeline engine and upload only (they check access first).</summary>
    public async Task<ConnectionSecret> GetSecretAsync(Guid id, CancellationToken ct = default)
    {
        var c = await scope.ReadAsync(db => db.Connections.Where(x => x.Id == id).Select(x => new { x.Kind, x.SecretCipher }).FirstOrDefaultAsync(ct), ct)
                ?? throw DomainException.NotFound("Connection", id);
        return new ConnectionSecret(id, c.Kind, secrets.Unprotect(c.SecretCipher));
    }

    private static void Validate(ConnectionInput input, bool isNew)
    {
        var problems = new List<ValidationProblem>();
        if (string.IsNullOrWhiteSpace(input.Name) || input.Name.Trim().Length > 200) problems.Add(new("name", "A name of 1 to 200 characters is required."));
        if (!Enum.IsDefined(input.Kind)) problems.Add(new("kind", "The type must be PostgreSql, HttpJson or S3."));
        if (isNew && string.IsNullOrWhiteSpace(input.Secret)) problems.Add(new("secret", "Connection details are required."));
        if (!string.IsNullOrWhiteSpace(input.Secret))
        {
            if (input.Kind == ConnectionKind.S3)
            {
                if (!S3Location.TryParse(input.Secret, out _, out var error)) problems.Add(new("secret", error!));
            }
            else if (input.Kind == ConnectionKind.PostgreSql)
            {
                try { _ = new NpgsqlConnectionStringBuilder(input.Secret.Trim()); }
                catch (ArgumentException) { problems.Add(new("secret", "This is not a valid PostgreSQL connection string (Host=…;Database=…;Username=…;Password=…).")); }
            }
            else if (!Uri.TryCreate(input.Secret.Trim().Split('\n')[0].Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                problems.Add(new("secret", "The first line must be the API's base URL (http or https); header lines 'Name: value' may follow."));
        }
        if (!string.IsNullOrWhiteSpace(input.ContractJson))
        {
            try { using var _ = JsonDocument.Parse(input.ContractJson); }
            catch (JsonException) { problems.Add(new("contract", "The contract must be valid JSON.")); }
        }
        ValidationException.ThrowIfAny(problems);
    }

    private static string NormalizeJson(string? json) => string.IsNullOrWhiteSpace(json) ? "{}" : JsonDocument.Parse(json).RootElement.GetRawText();

    private static async Task EnsureUsersExistAsync(EtlStudioDbContext db, IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        var found = await db.Users.Where(u => ids.Contains(u.Id) && u.Id != Actor.SystemUserId).Select(u => u.Id).ToListAsync(ct);
        var missing = ids.Except(found).ToList();
        if (missing.Count > 0) throw new ValidationException("owners", $"Unknown user(s): {string.Join(", ", missing)}.");
    }
}
