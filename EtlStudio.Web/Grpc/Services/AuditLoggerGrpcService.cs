using EtlStudio.Core.Audit;
using EtlStudio.Protos.AuditLogger;
using EtlStudio.Web.Auth.Tokens;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace EtlStudio.Web.Grpc.Services;

/// <summary>etl.audit.logger.V1.AuditLogger over <see cref="AuditQueryService"/>.</summary>
[Authorize(Policy = GrpcBearerAuthentication.Policy)]
internal sealed class AuditLoggerGrpcService(AuditQueryService audit) : Protos.AuditLogger.AuditLogger.AuditLoggerBase
{
    public override async Task<ListAuditLogsResponse> ListAuditLogs(ListAuditLogsRequest r, ServerCallContext call)
    {
        var filter = new AuditFilter(Empty(r.Actor), Empty(r.Action), Empty(r.EntityType), Empty(r.EntityId), r.From.FromProto(), r.To.FromProto(), Empty(r.Outcome), Empty(r.Source));
        var page = await audit.ListAsync(call.Actor(), filter, ProtoIds.Page(r.Page, r.PageSize), call.CancellationToken);
        var response = new ListAuditLogsResponse { TotalCount = page.Total, Page = page.Page };
        response.Logs.AddRange(page.Items.Select(ToProto));
        return response;
    }

    public override async Task<GetAuditLogResponse> GetAuditLog(GetAuditLogRequest r, ServerCallContext call) =>
        new() { Log = ToProto(await audit.GetAsync(call.Actor(), r.Id, call.CancellationToken)) };

    private static string? Empty(string value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static AuditLog ToProto(AuditEntryView e) => new()
    {
        Id = e.Id, At = e.At.ToProto(), ActorId = e.ActorId.ToString(), Actor = e.ActorLogin, Source = e.Source, Action = e.Action,
        EntityType = e.EntityType, EntityId = e.EntityId ?? "", Outcome = e.Outcome, ChangesJson = e.ChangesJson,
        CorrelationId = e.CorrelationId ?? "", ClientAddress = e.ClientAddress ?? "", Hash = e.Hash,
    };
}
