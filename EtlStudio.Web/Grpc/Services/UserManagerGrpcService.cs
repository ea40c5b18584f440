using System.Runtime.CompilerServices;
using EtlStudio.Core.Access;
using EtlStudio.Core.Identity;
using EtlStudio.Protos.UserManager;
using EtlStudio.Web.Auth.Tokens;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using AccessType = EtlStudio.Core.Domain.AccessType;
using ProtoAccess = EtlStudio.Protos.UserManager.ExtDatamoduleAccessType;
using ProtoRole = EtlStudio.Protos.UserManager.UserRole;

namespace EtlStudio.Web.Grpc.Services;

/// <summary>etl.user.manager.V1.UserManager over the Core user and access services.</summary>
[Authorize(Policy = GrpcBearerAuthentication.Policy)]
internal sealed class UserManagerGrpcService(UserService users, AccessRequestService access) : UserManager.UserManagerBase
{
    /// <summary>
    /// The message made from each user view, kept as long as the view is: <see cref="UserService"/> hands every GetUser
    /// the same view until that user's roles or grants change or it expires, so a client asking again and again is sent
    /// one message rather than a new copy of it each call. A view never changes and its message is never changed after
    /// it is made, so this holds nothing that could be stale.
    /// </summary>
    private static readonly ConditionalWeakTable<UserView, User> Messages = new();

    public override async Task<CreateUserResponse> CreateUser(CreateUserRequest r, ServerCallContext call)
    {
        var id = await users.CreateAsync(call.Actor(), r.Name, r.DisplayName, string.IsNullOrEmpty(r.Email) ? null : r.Email, ProtoIds.ParseOptional(r.Id, "id"), call.CancellationToken);
        return new CreateUserResponse { Result = true, Id = id.ToString() };
    }

    public override async Task<GetUserResponse> GetUser(GetUserRequest r, ServerCallContext call)
    {
        var actor = call.Actor();
        var id = ProtoIds.ParseOptional(r.Id, "id") ?? actor.UserId;
        var view = await users.GetAsync(actor, id, call.CancellationToken);
        return new GetUserResponse { User = Messages.GetValue(view, static v => ToProto(v)) };
    }

    private static User ToProto(UserView u)
    {
        var user = new User { Id = u.Id.ToString(), Name = u.Login, DisplayName = u.DisplayName };
        foreach (var x in u.Roles)
        {
            if (x.IsActive) user.Roles.Add(ToProto(x.Role));
            user.RoleAssignments.Add(new RoleAssignment { Role = ToProto(x.Role), AssignedAt = x.AssignedAt.ToProto(), ExpiresAt = x.ExpiresAt.ToProto() });
        }
        // One entry per data module: the first grant's id, every access type once, the earliest expiry.
        for (var i = 0; i < u.Grants.Count; i++)
        {
            var g = u.Grants[i];
            if (!g.IsActive || IndexOfConnection(u.Grants, i, g.ConnectionId) < i) continue;
            var access = new ExtDatamoduleAccess { Id = g.GrantId.ToString(), ExtDatamoduleId = g.ConnectionId.ToString() };
            DateTimeOffset? expires = null;
            for (var j = i; j < u.Grants.Count; j++)
            {
                var other = u.Grants[j];
                if (!other.IsActive || other.ConnectionId != g.ConnectionId) continue;
                if (other.ExpiresAt is { } e && (expires is null || e < expires)) expires = e;
                var type = ToProto(other.Access);
                if (!access.AccessTypes.Contains(type)) access.AccessTypes.Add(type);
            }
            access.ExpiresAt = expires.ToProto();
            user.ExtDatamoduleAccesses.Add(access);
        }
        return user;
    }

    /// <summary>The first active grant on <paramref name="connectionId"/> up to <paramref name="limit"/>.</summary>
    private static int IndexOfConnection(IReadOnlyList<GrantView> grants, int limit, Guid connectionId)
    {
        for (var i = 0; i < limit; i++)
            if (grants[i].IsActive && grants[i].ConnectionId == connectionId) return i;
        return limit;
    }

    /// <summary>Seed AddAccess: asks the owners for access; user_id must be the caller.</summary>
    public override async Task<AddAccessResponse> AddAccess(AddAccessRequest r, ServerCallContext call)
    {
        var actor = call.Actor();
        var userId = ProtoIds.ParseOptional(r.UserId, "user_id") ?? actor.UserId;
        if (userId != actor.UserId)
            throw Core.Common.DomainException.Denied("Access can only be requested for yourself; user_id must be the caller.");
        if (r.Access is null || r.Access.AccessTypes.Count != 1)
            throw new Core.Common.ValidationException("access.access_types", "Name exactly one access type, READ or WRITE.");
        var connection = ProtoIds.Parse(r.Access.ExtDatamoduleId, "access.ext_datamodule_id");
        var id = await access.RequestAsync(actor, connection, FromProto(r.Access.AccessTypes[0]), r.Reason, r.WishedDays > 0 ? r.WishedDays : null, call.CancellationToken);
        return new AddAccessResponse { Result = true, AccessRequestId = id.ToString() };
    }

    public override async Task<RemoveAccessResponse> RemoveAccess(RemoveAccessRequest r, ServerCallContext call)
    {
        if (r.Access is null) throw new Core.Common.ValidationException("access", "Name the data module and the access types to remove.");
        var types = r.Access.AccessTypes.Count == 0 ? [AccessType.Read, AccessType.Write] : r.Access.AccessTypes.Select(FromProto).ToList();
        await access.RevokeAsync(call.Actor(), ProtoIds.Parse(r.UserId, "user_id"), ProtoIds.Parse(r.Access.ExtDatamoduleId, "access.ext_datamodule_id"), types, call.CancellationToken);
        return new RemoveAccessResponse { Result = true };
    }

    public override async Task<AddRoleResponse> AddRole(AddRoleRequest r, ServerCallContext call)
    {
        await users.AssignRoleAsync(call.Actor(), ProtoIds.Parse(r.UserId, "user_id"), FromProto(r.Role), r.ExpiresAt.FromProto(), call.CancellationToken);
        return new AddRoleResponse { Result = true };
    }

    public override async Task<RemoveRoleResponse> RemoveRole(RemoveRoleRequest r, ServerCallContext call)
    {
        await users.RevokeRoleAsync(call.Actor(), ProtoIds.Parse(r.UserId, "user_id"), FromProto(r.Role), call.CancellationToken);
        return new RemoveRoleResponse { Result = true };
    }

    /// <summary>owner_user_id is checked against the caller, never trusted.</summary>
    public override async Task<ApproveAccessResponse> ApproveAccessRequest(ApproveAccessRequest r, ServerCallContext call)
    {
        var actor = call.Actor();
        if (ProtoIds.ParseOptional(r.OwnerUserId, "owner_user_id") is { } owner && owner != actor.UserId)
            throw Core.Common.DomainException.Denied("owner_user_id must be the caller: decisions are made in your own name.");
        await access.DecideAsync(actor, ProtoIds.Parse(r.AccessRequestId, "access_request_id"), r.State,
            string.IsNullOrEmpty(r.Comment) ? null : r.Comment, r.ExpiresAt.FromProto(), call.CancellationToken);
        return new ApproveAccessResponse { Result = true };
    }

    public override async Task<ListAccessRequestsResponse> ListAccessRequests(ListAccessRequestsRequest r, ServerCallContext call)
    {
        var scope = r.Scope switch
        {
            Protos.UserManager.AccessRequestScope.DecidedByMe => Core.Access.AccessRequestScope.DecidedByMe,
            Protos.UserManager.AccessRequestScope.Mine => Core.Access.AccessRequestScope.Mine,
            Protos.UserManager.AccessRequestScope.All => Core.Access.AccessRequestScope.All,
            _ => Core.Access.AccessRequestScope.AwaitingMyDecision,
        };
        var page = await access.ListAsync(call.Actor(), new AccessRequestFilter(scope, null, ProtoIds.ParseOptional(r.ExtDatamoduleId, "ext_datamodule_id")),
            ProtoIds.Page(r.Page, r.PageSize), call.CancellationToken);
        var response = new ListAccessRequestsResponse { TotalCount = page.Total, Page = page.Page };
        response.Requests.AddRange(page.Items.Select(x => new AccessRequestInfo
        {
            Id = x.Id.ToString(), ExtDatamoduleId = x.ConnectionId.ToString(), ExtDatamoduleName = x.ConnectionName,
            RequesterId = x.RequesterId.ToString(), RequesterName = x.RequesterLogin, AccessType = ToProto(x.Access), Reason = x.Reason,
            WishedDays = x.WishedDays ?? 0, Status = x.Status.ToString(), CreatedAt = x.CreatedAt.ToProto(), DecidedBy = x.DecidedByLogin ?? "",
            DecisionComment = x.DecisionComment ?? "", GrantExpiresAt = x.GrantExpiresAt.ToProto(),
        }));
        return response;
    }

    private static ProtoRole ToProto(Core.Domain.UserRole role) => (ProtoRole)(int)role;

    private static Core.Domain.UserRole FromProto(ProtoRole role) =>
        Enum.IsDefined(typeof(Core.Domain.UserRole), (int)role) ? (Core.Domain.UserRole)(int)role
            : throw new Core.Common.ValidationException("role", $"Unknown role {(int)role}.");

    private static ProtoAccess ToProto(AccessType access) => (ProtoAccess)(int)access;

    private static AccessType FromProto(ProtoAccess access) =>
        Enum.IsDefined(typeof(AccessType), (int)access) ? (AccessType)(int)access
            : throw new Core.Common.ValidationException("access_types", $"Unknown access type {(int)access}.");
}
