using System.Runtime.CompilerServices;
using EtlStudio.Core.Access;
using EtlStudio.Core.Identity;
using EtlStudio.Protos.UserManager;
using AccessType = EtlStudio.Core.Domain.AccessType;
using ProtoAccess = EtlStudio.Protos.UserManager.ExtDatamoduleAccessType;
using ProtoRole = EtlStudio.Protos.UserManager.UserRole;

namespace EtlStudio.Web.Grpc.Services;

/// <summary>etl.user.manager.V1.UserManager over the Core user and access services.</summary>
[GrpcService(typeof(UserManagerReflection), "UserManager")]
internal sealed class UserManagerGrpcService(UserService users, AccessRequestService access) : IGrpcService
{
    // Core hands out the same immutable view for a few seconds: build its message once per view, not
    // once per call. Responses only read the shared message (serializing it), never change it.
    private readonly ConditionalWeakTable<UserView, User> _users = new();

    public void Register(GrpcServiceBinder binder) => binder
        .Unary<CreateUserRequest, CreateUserResponse>("CreateUser", CreateUserAsync)
        .Unary<GetUserRequest, GetUserResponse>("GetUser", GetUserAsync)
        .Unary<AddAccessRequest, AddAccessResponse>("AddAccess", AddAccessAsync)
        .Unary<RemoveAccessRequest, RemoveAccessResponse>("RemoveAccess", RemoveAccessAsync)
        .Unary<AddRoleRequest, AddRoleResponse>("AddRole", AddRoleAsync)
        .Unary<RemoveRoleRequest, RemoveRoleResponse>("RemoveRole", RemoveRoleAsync)
        .Unary<ApproveAccessRequest, ApproveAccessResponse>("ApproveAccessRequest", ApproveAsync)
        .Unary<ListAccessRequestsRequest, ListAccessRequestsResponse>("ListAccessRequests", ListAccessRequestsAsync);

    private async Task<CreateUserResponse> CreateUserAsync(CreateUserRequest r, GrpcCallContext call)
    {
        var id = await users.CreateAsync(call.Actor, r.Name, r.DisplayName, string.IsNullOrEmpty(r.Email) ? null : r.Email, ProtoIds.ParseOptional(r.Id, "id"), call.CancellationToken);
        return new CreateUserResponse { Result = true, Id = id.ToString() };
    }

    private async Task<GetUserResponse> GetUserAsync(GetUserRequest r, GrpcCallContext call)
    {
        var id = ProtoIds.ParseOptional(r.Id, "id") ?? call.Actor.UserId;
        return new GetUserResponse { User = _users.GetValue(await users.GetAsync(call.Actor, id, call.CancellationToken), ToProto) };
    }

    /// <summary>Plain loops rather than LINQ: this runs on every GetUser, the most frequent call.</summary>
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
    private async Task<AddAccessResponse> AddAccessAsync(AddAccessRequest r, GrpcCallContext call)
    {
        var userId = ProtoIds.ParseOptional(r.UserId, "user_id") ?? call.Actor.UserId;
        if (userId != call.Actor.UserId)
            throw Core.Common.DomainException.Denied("Access can only be requested for yourself; user_id must be the caller.");
        if (r.Access is null || r.Access.AccessTypes.Count != 1)
            throw new Core.Common.ValidationException("access.access_types", "Name exactly one access type, READ or WRITE.");
        var connection = ProtoIds.Parse(r.Access.ExtDatamoduleId, "access.ext_datamodule_id");
        var id = await access.RequestAsync(call.Actor, connection, FromProto(r.Access.AccessTypes[0]), r.Reason, r.WishedDays > 0 ? r.WishedDays : null, call.CancellationToken);
        return new AddAccessResponse { Result = true, AccessRequestId = id.ToString() };
    }

    private async Task<RemoveAccessResponse> RemoveAccessAsync(RemoveAccessRequest r, GrpcCallContext call)
    {
        if (r.Access is null) throw new Core.Common.ValidationException("access", "Name the data module and the access types to remove.");
        var types = r.Access.AccessTypes.Count == 0 ? [AccessType.Read, AccessType.Write] : r.Access.AccessTypes.Select(FromProto).ToList();
        await access.RevokeAsync(call.Actor, ProtoIds.Parse(r.UserId, "user_id"), ProtoIds.Parse(r.Access.ExtDatamoduleId, "access.ext_datamodule_id"), types, call.CancellationToken);
        return new RemoveAccessResponse { Result = true };
    }

    private async Task<AddRoleResponse> AddRoleAsync(AddRoleRequest r, GrpcCallContext call)
    {
        await users.AssignRoleAsync(call.Actor, ProtoIds.Parse(r.UserId, "user_id"), FromProto(r.Role), r.ExpiresAt.FromProto(), call.CancellationToken);
        return new AddRoleResponse { Result = true };
    }

    private async Task<RemoveRoleResponse> RemoveRoleAsync(RemoveRoleRequest r, GrpcCallContext call)
    {
        await users.RevokeRoleAsync(call.Actor, ProtoIds.Parse(r.UserId, "user_id"), FromProto(r.Role), call.CancellationToken);
        return new RemoveRoleResponse { Result = true };
    }

    /// <summary>owner_user_id is checked against the caller, never trusted.</summary>
    private async Task<ApproveAccessResponse> ApproveAsync(ApproveAccessRequest r, GrpcCallContext call)
    {
        if (ProtoIds.ParseOptional(r.OwnerUserId, "owner_user_id") is { } owner && owner != call.Actor.UserId)
            throw Core.Common.DomainException.Denied("owner_user_id must be the caller: decisions are made in your own name.");
        await access.DecideAsync(call.Actor, ProtoIds.Parse(r.AccessRequestId, "access_request_id"), r.State,
            string.IsNullOrEmpty(r.Comment) ? null : r.Comment, r.ExpiresAt.FromProto(), call.CancellationToken);
        return new ApproveAccessResponse { Result = true };
    }

    private async Task<ListAccessRequestsResponse> ListAccessRequestsAsync(ListAccessRequestsRequest r, GrpcCallContext call)
    {
        var scope = r.Scope switch
        {
            Protos.UserManager.AccessRequestScope.DecidedByMe => Core.Access.AccessRequestScope.DecidedByMe,
            Protos.UserManager.AccessRequestScope.Mine => Core.Access.AccessRequestScope.Mine,
            Protos.UserManager.AccessRequestScope.All => Core.Access.AccessRequestScope.All,
            _ => Core.Access.AccessRequestScope.AwaitingMyDecision,
        };
        var page = await access.ListAsync(call.Actor, new AccessRequestFilter(scope, null, ProtoIds.ParseOptional(r.ExtDatamoduleId, "ext_datamodule_id")),
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
