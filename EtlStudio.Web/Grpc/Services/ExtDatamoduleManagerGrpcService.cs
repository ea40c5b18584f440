using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Protos.ExtDatamoduleManager;
using ProtoConnection = EtlStudio.Protos.ExtDatamoduleManager.Connection;
using EtlStudio.Web.Auth.Tokens;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace EtlStudio.Web.Grpc.Services;

/// <summary>etl.ext.datamodule.manager.V1.ExtDatamoduleManager over <see cref="ConnectionService"/>. Secrets go in, never out.</summary>
[Authorize(Policy = GrpcBearerAuthentication.Policy)]
internal sealed class ExtDatamoduleManagerGrpcService(ConnectionService connections) : Protos.ExtDatamoduleManager.ExtDatamoduleManager.ExtDatamoduleManagerBase
{
    public override async Task<CreateConnectionResponse> CreateConnection(CreateConnectionRequest r, ServerCallContext call)
    {
        var id = await connections.CreateAsync(call.Actor(), ToInput(r.Connection), call.CancellationToken);
        return new CreateConnectionResponse { Id = id.ToString() };
    }

    public override async Task<UpdateConnectionResponse> UpdateConnection(UpdateConnectionRequest r, ServerCallContext call)
    {
        await connections.UpdateAsync(call.Actor(), ProtoIds.Parse(r.Id, "id"), ToInput(r.Connection), call.CancellationToken);
        return new UpdateConnectionResponse { Result = true };
    }

    public override async Task<GetConnectionResponse> GetConnection(GetConnectionRequest r, ServerCallContext call) =>
        new() { Connection = ToProto(await connections.GetAsync(call.Actor(), ProtoIds.Parse(r.Id, "id"), call.CancellationToken)) };

    public override async Task<GetAllConnectionResponse> GetAllConnection(GetAllConnectionRequest r, ServerCallContext call)
    {
        var page = await connections.ListAsync(call.Actor(), ProtoIds.Page(r.Page, r.PageSize), r.Search, call.CancellationToken);
        var response = new GetAllConnectionResponse { TotalCount = page.Total };
        response.Connections.AddRange(page.Items.Select(ToProto));
        return response;
    }

    private static Core.Connections.ConnectionInput ToInput(Protos.ExtDatamoduleManager.ConnectionInput? c)
    {
        if (c is null) throw new Core.Common.ValidationException("connection", "The connection is required.");
        var kind = c.Type switch
        {
            ConnectionType.Postgresql => ConnectionKind.PostgreSql,
            ConnectionType.HttpJson => ConnectionKind.HttpJson,
            ConnectionType.S3 => ConnectionKind.S3,
            _ => throw new Core.Common.ValidationException("connection.type", $"Unknown connection type {(int)c.Type}."),
        };
        var secret = kind == ConnectionKind.S3 && c.S3 is { } s3
            ? new S3Location(s3.Endpoint, s3.Region, s3.Bucket, s3.Prefix, s3.PathStyle, s3.AccessKey, s3.SecretKey).Format()
            : c.ConnectionString;
        return new Core.Connections.ConnectionInput(c.Name, kind, c.Description, c.ContractJson, string.IsNullOrEmpty(secret) ? null : secret,
            c.OwnerUserIds.Count == 0 ? null : c.OwnerUserIds.Select((id, i) => ProtoIds.Parse(id, $"connection.owner_user_ids[{i}]")).ToList());
    }

    private static ProtoConnection ToProto(ConnectionView v)
    {
        var c = new ProtoConnection
        {
            Id = v.Id.ToString(), Name = v.Name, Type = v.Kind switch { ConnectionKind.PostgreSql => ConnectionType.Postgresql, ConnectionKind.S3 => ConnectionType.S3, _ => ConnectionType.HttpJson },
            Description = v.Description, ContractJson = v.ContractJson, ConnectionHint = v.SecretHint, Version = v.Version,
            CollectionProtocolJson = v.CollectionProtocolJson, CreatedAt = v.CreatedAt.ToProto(), UpdatedAt = v.UpdatedAt.ToProto(),
        };
        c.Owners.AddRange(v.Owners.Select(o => new Owner { UserId = o.UserId.ToString(), Name = o.Login }));
        c.MyAccess.AddRange(v.MyAccess.Select(a => (Protos.ExtDatamoduleManager.AccessType)(int)a));
        c.MyPendingRequests.AddRange(v.MyPendingRequests.Select(a => (Protos.ExtDatamoduleManager.AccessType)(int)a));
        return c;
    }
}
