using EtlStudio.Core.Audit;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace EtlStudio.Core.Identity;

/// <summary>Users and their time-limited roles (use cases Login and Manage Users; seed 004).</summary>
public sealed class UserService(ChangeScope scope, AccessPolicy policy, AuditTrail audit, TimeProvider time, IOptions<IdentityOptions> options, IMemoryCache cache)
{
    public const string DevelopmentIssuer = "etlstudio-dev";

    private readonly UserViewCache _views = new(cache);
    private readonly SharedPermissionReads _permissions = new(policy);

    /// <summary>
    /// A user reads their own record; administrators read anyone's. Served from a view a few seconds
    /// old at most, dropped at once when the user's roles or grants change on this node.
    /// </summary>
    public async Task<UserView> GetAsync(Actor actor, Guid userId, CancellationToken ct = default)
    {
        if (actor.UserId != userId && !await policy.IsAdminAsync(actor, ct))
            await policy.DenyAsync(actor, "user.read", "User", userId, "Only administrators can look at other users.", ct);
        // Read the permissions first: a change committed after this point replaces them, which retires the view read below.
        var permissions = await _permissions.GetAsync(userId, ct);
        var now = time.GetUtcNow();
        // The read is shared by concurrent callers, so no single caller's token may cancel it; each caller still stops waiting on its own.
        var view = _views.GetAsync(userId, permissions, now, () => ReadViewAsync(userId, now, CancellationToken.None));
        return view.IsCompletedSuccessfully ? view.Result : await view.WaitAsync(ct);
    }

    /// <summary>The user, their roles and their grants (with the connections' names) in one database round trip.</summary>
    private Task<UserView> ReadViewAsync(Guid userId, DateTimeOffset now, CancellationToken ct) =>
        scope.ReadAsync(async db =>
        {
            // Deliberately one query (AsSingleQuery): a user has a handful of roles and grants, so joining both costs less than a second round trip.
            var row = await db.Users.AsNoTracking().AsSingleQuery().Where(u => u.Id == userId).Select(u => new
            {
                u.Id, u.Login, u.DisplayName, u.Email, u.IsActive, u.CreatedAt, u.LastSignInAt,
                Roles = u.Roles.Select(r => new { r.Id, r.Role, r.AssignedAt, r.ExpiresAt }).ToList(),
                Grants = db.ConnectionGrants.Where(g => g.UserId == u.Id)
                    .Join(db.Connections, g => g.ConnectionId, c => c.Id, (g, c) => new { g.Id, g.ConnectionId, c.Name, g.Access, g.GrantedAt, g.ExpiresAt })
                    .OrderBy(x => x.Name).ToList(),
            }).FirstOrDefaultAsync(ct) ?? throw DomainException.NotFound("User", userId);
            return new UserView(row.Id, row.Login, row.DisplayName, row.Email, row.IsActive, row.CreatedAt, row.LastSignInAt,
                // Roles are stored by name: order them by the enum in memory, as every other view does.
                row.Roles.OrderBy(r => r.Role).Select(r => new RoleView(r.Id, r.Role, r.AssignedAt, r.ExpiresAt, r.ExpiresAt is null || r.ExpiresAt > now)).ToList(),
                row.Grants.Select(g => new GrantView(g.Id, g.ConnectionId, g.Name, g.Access, g.GrantedAt, g.ExpiresAt, g.ExpiresAt is null || g.ExpiresAt > now)).ToList());
        }, ct);

    /// <summary>
    /// Whether the user may still act, from the permission cache: a deactivated user is refused
    /// within its short window, everywhere a cached token would otherwise still let them in.
    /// </summary>
    public async Task<bool> IsActiveAsync(Guid userId, CancellationToken ct = default) =>
        (await _permissions.GetAsync(userId, ct)).IsActive;

    public async Task<Paged<UserSummary>> ListAsync(Actor actor, PageRequest page, string? search = null, CancellationToken ct = default)
    {
        if (!await policy.IsAdminAsync(actor, ct))
            await policy.DenyAsync(actor, "user.list", "User", null, "Only administrators can list users.", ct);
        var now = time.GetUtcNow();
        return await scope.ReadAsync(async db =>
        {
            var q = db.Users.Where(u => u.Id != Actor.SystemUserId);
            if (!string.IsNullOrWhiteSpace(search))
                q = q.Where(u => EF.Functions.ILike(u.Login, $"%{search.Trim()}%") || EF.Functions.ILike(u.DisplayName, $"%{search.Trim()}%"));
            var total = await q.LongCountAsync(ct);
            var users = await q.OrderBy(u => u.Login).Skip(page.Skip).Take(page.SafeSize).Include(u => u.Roles).ToListAsync(ct);
            return new Paged<UserSummary>(users.Select(u => new UserSummary(u.Id, u.Login, u.DisplayName, u.IsActive,
                u.Roles.Where(r => r.IsActiveAt(now)).Select(r => r.Role).Order().ToList())).ToList(), total, page.SafePage, page.SafeSize);
        }, ct);
    }

    /// <summary>Active users by login or name, for pickers such as a connection's owners. Shows no roles or grants.</summary>
    public Task<IReadOnlyList<OwnerCandidate>> DirectoryAsync(Actor actor, string? search, int limit = 50, CancellationToken ct = default) =>
        scope.ReadAsync<IReadOnlyList<OwnerCandidate>>(async db =>
        {
            _ = actor; // any signed-in user may look people up
            var q = db.Users.Where(u => u.IsActive && u.Id != Actor.SystemUserId);
            if (!string.IsNullOrWhiteSpace(search))
                q = q.Where(u => EF.Functions.ILike(u.Login, $"%{search.Trim()}%") || EF.Functions.ILike(u.DisplayName, $"%{search.Trim()}%"));
            return await q.OrderBy(u => u.Login).Take(Math.Clamp(limit, 1, 200)).Select(u => new OwnerCandidate(u.Id, u.Login, u.DisplayName)).ToListAsync(ct);
        }, ct);

    /// <summary>Users shown on the Development sign-in page. Never called outside Development mode.</summary>
    public Task<IReadOnlyList<UserSummary>> ListForDevelopmentSignInAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        return scope.ReadAsync<IReadOnlyList<UserSummary>>(async db =>
        {
            var users = await db.Users.Where(u => u.Id != Actor.SystemUserId && u.IsActive && u.ExternalIssuer == null)
                .Include(u => u.Roles).OrderBy(u => u.Login).ToListAsync(ct);
            return users.Select(u => new UserSummary(u.Id, u.Login, u.DisplayName, u.IsActive,
                u.Roles.Where(r => r.IsActiveAt(now)).Select(r => r.Role).Order().ToList())).ToList();
        }, ct);
    }

    public async Task<Guid> CreateAsync(Actor actor, string login, string displayName, string? email = null, Guid? id = null, CancellationToken ct = default)
    {
        if (!await policy.IsAdminAsync(actor, ct))
            await policy.DenyAsync(actor, "user.create", "User", null, "Only administrators can create users.", ct);
        var problems = new List<ValidationProblem>();
        login = (login ?? "").Trim();
        displayName = string.IsNullOrWhiteSpace(displayName) ? login : displayName.Trim();
        if (login.Length is < 2 or > 100) problems.Add(new("login", "A login has 2 to 100 characters."));
        else if (!login.All(c => char.IsLetterOrDigit(c) || c is '.' or '_' or '-' or '@'))
            problems.Add(new("login", "A login may contain letters, digits, '.', '_', '-' and '@'."));
        if (id == Guid.Empty) problems.Add(new("id", "The id must not be empty."));
        ValidationException.ThrowIfAny(problems);

        var user = new User { Id = id ?? Guid.NewGuid(), Login = login, DisplayName = displayName, Email = email, CreatedAt = time.GetUtcNow() };
        await scope.RunAsync(async db =>
        {
            if (await db.Users.AnyAsync(u => u.Id == user.Id, ct)) throw DomainException.AlreadyExists($"A user with id {user.Id} already exists.");
            db.Users.Add(user);
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, actor, "user.create", "User", user.Id,
                new AuditChanges().Created("login", login).Created("displayName", displayName), ct);
        }, ct);
        return user.Id;
    }

    public async Task<Guid> AssignRoleAsync(Actor actor, Guid userId, UserRole role, DateTimeOffset? expiresAt, CancellationToken ct = default)
    {
        if (!await policy.IsAdminAsync(actor, ct))
            await policy.DenyAsync(actor, "role.assign", "User", userId, "Only administrators can assign roles.", ct);
        var now = time.GetUtcNow();
        if (expiresAt is { } e && e <= now) throw new ValidationException("expiresAt", "The expiry must be in the future.");
        var assignment = new RoleAssignment { Id = Guid.NewGuid(), UserId = userId, Role = role, AssignedBy = actor.UserId, AssignedAt = now, ExpiresAt = expiresAt };
        await scope.RunAsync(async db =>
        {
            if (!await db.Users.AnyAsync(u => u.Id == userId && u.Id != Actor.SystemUserId, ct)) throw DomainException.NotFound("User", userId);
            if (await db.RoleAssignments.AnyAsync(r => r.UserId == userId && r.Role == role, ct))
                throw DomainException.AlreadyExists($"The user already holds the {role.ToName()} role.");
            db.RoleAssignments.Add(assignment);
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, actor, "role.assign", "User", userId,
                new AuditChanges().Created("role", role.ToName()).Created("expiresAt", expiresAt), ct);
        }, ct);
        policy.Invalidate(userId);
        return assignment.Id;
    }

    public async Task RevokeRoleAsync(Actor actor, Guid userId, UserRole role, CancellationToken ct = default)
    {
        if (!await policy.IsAdminAsync(actor, ct))
            await policy.DenyAsync(actor, "role.revoke", "User", userId, "Only administrators can revoke roles.", ct);
        if (userId == actor.UserId && role == UserRole.Admin)
            throw DomainException.Precondition("You cannot remove your own administrator role; ask another administrator.");
        await scope.RunAsync(async db =>
        {
            var assignment = await db.RoleAssignments.FirstOrDefaultAsync(r => r.UserId == userId && r.Role == role, ct)
                             ?? throw DomainException.NotFound("Role assignment", $"{userId}/{role.ToName()}");
            db.RoleAssignments.Remove(assignment);
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(db, actor, "role.revoke", "User", userId, new AuditChanges().Field("role", role.ToName(), null), ct);
        }, ct);
        policy.Invalidate(userId);
    }

    /// <summary>Assignments per user or per role, newest first, with paging (seed 004 ListForUser / ListForRole).</summary>
    public async Task<Paged<RoleAssignmentView>> ListAssignmentsAsync(Actor actor, Guid? userId, UserRole? role, PageRequest page, CancellationToken ct = default)
    {
        if (userId != actor.UserId && !await policy.IsAdminAsync(actor, ct))
            await policy.DenyAsync(actor, "role.list", "User", userId, "Only administrators can list other users' roles.", ct);
        var now = time.GetUtcNow();
        return await scope.ReadAsync(async db =>
        {
            var q = db.RoleAssignments.Where(r => r.ExpiresAt == null || r.ExpiresAt > now);
            if (userId is { } u) q = q.Where(r => r.UserId == u);
            if (role is { } ro) q = q.Where(r => r.Role == ro);
            var total = await q.LongCountAsync(ct);
            var items = await q.OrderByDescending(r => r.AssignedAt).Skip(page.Skip).Take(page.SafeSize)
                .Join(db.Users, r => r.UserId, usr => usr.Id, (r, usr) => new RoleAssignmentView(r.Id, r.UserId, usr.Login, r.Role, r.AssignedBy, r.AssignedAt, r.ExpiresAt))
                .ToListAsync(ct);
            return new Paged<RoleAssignmentView>(items, total, page.SafePage, page.SafeSize);
        }, ct);
    }

    /// <summary>Recurring job: expired role assignments are removed (they already stopped working at their expiry).</summary>
    public async Task<int> ExpireRoleAssignmentsAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var expired = await scope.ReadAsync(db => db.RoleAssignments.Where(r => r.ExpiresAt != null && r.ExpiresAt <= now).ToListAsync(ct), ct);
        foreach (var r in expired)
        {
            await scope.RunAsync(async db =>
            {
                if (await db.RoleAssignments.Where(x => x.Id == r.Id).ExecuteDeleteAsync(ct) == 0) return;
                await audit.RecordAsync(db, Actor.System(), "role.expire", "User", r.UserId,
                    new AuditChanges().Field("role", r.Role.ToName(), null).Note("expiredAt", r.ExpiresAt), ct);
            }, ct);
            policy.Invalidate(r.UserId);
        }
        return expired.Count;
    }

    /// <summary>
    /// Finds (or on first sign-in, creates) the user behind an identity-provider account, keyed by
    /// issuer and subject, and brings the profile the provider sent (e-mail, name, login) onto the
    /// record. The configured first administrator gets the ADMIN role when provisioned.
    /// </summary>
    public async Task<User> SignInExternalAsync(ExternalAccount account, ActorSource source, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var wanted = ExternalLogin.From(account);
        var existing = await scope.RunAsync(async db =>
        {
            var user = await db.Users.FirstOrDefaultAsync(u => u.ExternalIssuer == account.Issuer && u.ExternalSubject == account.Subject, ct);
            if (user is null) return null;
            user.LastSignInAt = now;
            var changes = new AuditChanges();
            // A profile field the provider did not send is left alone: machine clients' tokens carry none.
            if (wanted is not null && wanted != user.Login && !await db.Users.AnyAsync(u => u.Login == wanted, ct))
            {
                changes.Field("login", user.Login, wanted);
                user.Login = wanted;
            }
            if (!string.IsNullOrWhiteSpace(account.Name) && account.Name.Trim() != user.DisplayName)
            {
                changes.Field("displayName", user.DisplayName, account.Name.Trim());
                user.DisplayName = account.Name.Trim();
            }
            if (!string.IsNullOrWhiteSpace(account.Email) && account.Email.Trim() != user.Email)
            {
                changes.Field("email", user.Email, account.Email.Trim());
                user.Email = account.Email.Trim();
            }
            await db.SaveChangesAsync(ct);
            if (!changes.IsEmpty)
                await audit.RecordAsync(db, new Actor(user.Id, user.Login, source), "user.profile", "User", user.Id, changes, ct);
            return user;
        }, ct);
        if (existing is not null) return existing;

        // A machine client's subject is its client id, a fine name; a person with no readable profile is just "user".
        var baseLogin = wanted ?? (source == ActorSource.Grpc ? account.Subject : "user");
        return await scope.RunAsync(async db =>
        {
            var finalLogin = baseLogin;
            for (var i = 2; await db.Users.AnyAsync(u => u.Login == finalLogin, ct); i++) finalLogin = $"{baseLogin}{i}";
            var user = new User
            {
                Id = Guid.NewGuid(), Login = finalLogin, DisplayName = string.IsNullOrWhiteSpace(account.Name) ? finalLogin : account.Name.Trim(),
                Email = string.IsNullOrWhiteSpace(account.Email) ? null : account.Email.Trim(), ExternalIssuer = account.Issuer, ExternalSubject = account.Subject,
                CreatedAt = now, LastSignInAt = now,
            };
            db.Users.Add(user);
            var makeAdmin = IsFirstAdmin(account);
            if (makeAdmin)
                db.RoleAssignments.Add(new RoleAssignment { Id = Guid.NewGuid(), UserId = user.Id, Role = UserRole.Admin, AssignedAt = now });
            await db.SaveChangesAsync(ct);
            var self = new Actor(user.Id, user.Login, source);
            await audit.RecordAsync(db, self, "user.provision", "User", user.Id,
                new AuditChanges().Created("login", user.Login).Created("issuer", account.Issuer).Created("admin", makeAdmin), ct);
            return user;
        }, ct);
    }

    /// <summary>
    /// The first administrator is named by issuer and subject, which the provider alone controls, or by an
    /// e-mail the provider says it verified; never by a login or address a user could pick for themselves.
    /// </summary>
    private bool IsFirstAdmin(ExternalAccount account)
    {
        var o = options.Value;
        if (!string.IsNullOrWhiteSpace(o.FirstAdminSubject) && !string.IsNullOrWhiteSpace(o.FirstAdminIssuer)
            && string.Equals(o.FirstAdminIssuer, account.Issuer, StringComparison.Ordinal) && string.Equals(o.FirstAdminSubject, account.Subject, StringComparison.Ordinal))
            return true;
        return !string.IsNullOrWhiteSpace(o.FirstAdmin) && account.EmailVerified
            && string.Equals(o.FirstAdmin.Trim(), account.Email?.Trim(), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Maps a token's issuer and subject to an actor: dev tokens carry the user id; provider tokens the account subject.</summary>
    public async Task<Actor?> ResolveActorAsync(string issuer, string subject, ActorSource source, string? clientAddress, string? correlationId, CancellationToken ct = default)
    {
        User? user;
        if (issuer == DevelopmentIssuer)
        {
            user = Guid.TryParse(subject, out var id) && id != Actor.SystemUserId
                ? await scope.ReadAsync(db => db.Users.FirstOrDefaultAsync(u => u.Id == id && u.IsActive, ct), ct)
                : null;
        }
        else
        {
            user = await SignInExternalAsync(new ExternalAccount(issuer, subject), source, ct);
            if (!user.IsActive) user = null;
        }
        return user is null ? null : new Actor(user.Id, user.Login, source, clientAddress, correlationId);
    }
}
