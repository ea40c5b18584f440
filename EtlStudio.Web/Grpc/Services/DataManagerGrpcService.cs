using EtlStudio.Core.Common;
using EtlStudio.Core.Outbox;
using EtlStudio.Protos.DataManager;
using ProtoOutbox = EtlStudio.Protos.DataManager.Outbox;
using ProtoOutboxTable = EtlStudio.Protos.DataManager.OutboxTable;
using EtlStudio.Web.Auth.Tokens;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace EtlStudio.Web.Grpc.Services;

/// <summary>etl.data.manager.V1.DataManager over <see cref="OutboxService"/>: outboxes, a page of records, and changes applied together.</summary>
[Authorize(Policy = GrpcBearerAuthentication.Policy)]
internal sealed class DataManagerGrpcService(OutboxService outbox) : Protos.DataManager.DataManager.DataManagerBase
{
    public override async Task<GetAllResponse> GetAll(GetAllRequest r, ServerCallContext call)
    {
        var page = await outbox.ListAsync(call.Actor(), ProtoIds.Page(r.Page, r.PageSize), ProtoIds.ParseOptional(r.TaskId, "task_id"), call.CancellationToken);
        var response = new GetAllResponse { TotalCount = page.Total };
        response.Outboxes.AddRange(page.Items.Select(o =>
        {
            var p = new ProtoOutbox { RunId = o.RunId.ToString(), TaskId = o.TaskId.ToString(), TaskName = o.TaskName, State = o.State.ToString() };
            p.Tables.AddRange(o.Tables.Select(t =>
            {
                var table = new ProtoOutboxTable { Name = t.Name, RowCount = t.RowCount };
                table.Columns.AddRange(t.Table.Columns.Select(c => new ColumnInfo { Name = c.Name, Type = c.Type.ToString() }));
                return table;
            }));
            return p;
        }));
        return response;
    }

    public override async Task<GetRecordsResponse> GetRecords(GetRecordsRequest r, ServerCallContext call)
    {
        var query = new OutboxQuery(r.Page <= 0 ? 1 : r.Page, r.PageSize <= 0 ? 25 : r.PageSize, string.IsNullOrEmpty(r.OrderBy) ? null : r.OrderBy, r.Descending,
            r.Filters.Select((f, i) => new OutboxFilter(f.Column, Op(f.Op, i), Empty(f.Value), Empty(f.ValueTo))).ToList());
        var page = await outbox.GetPageAsync(call.Actor(), ProtoIds.Parse(r.RunId, "run_id"), r.Table, query, call.CancellationToken);
        var response = new GetRecordsResponse { TotalCount = page.Total };
        response.Columns.AddRange(page.Table.Columns.Select(c => new ColumnInfo { Name = c.Name, Type = c.Type.ToString() }));
        foreach (var row in page.Rows)
        {
            var record = new Record { RowId = row.RowId };
            // Absent means null, as the contract says.
            foreach (var (name, value) in row.Values)
                if (OutboxValues.Format(value) is { } text) record.Values[name] = text;
            response.Records.Add(record);
        }
        return response;
    }

    public override async Task<ModifieResponse> Modifie(ModifieRequest r, ServerCallContext call)
    {
        var changes = r.Modifications.Select((m, i) =>
        {
            var values = m.Values.ToDictionary(p => p.Key, p => (string?)p.Value);
            foreach (var column in m.SetNull) values[column] = null;
            return m.Kind switch
            {
                ModificationKind.Add => RowChange.Add(values),
                ModificationKind.Edit => RowChange.Edit(m.RowId, values),
                ModificationKind.Delete => RowChange.Delete(m.RowId),
                _ => throw new ValidationException($"modifications[{i}].kind", $"Unknown value {(int)m.Kind}."),
            };
        }).ToList();
        var added = await outbox.ModifyAsync(call.Actor(), ProtoIds.Parse(r.RunId, "run_id"), r.Table, changes, call.CancellationToken);
        var response = new ModifieResponse { Result = true };
        response.AddedRowIds.AddRange(added);
        return response;
    }

    private static OutboxFilterOp Op(string op, int index) => op.ToLowerInvariant() switch
    {
        "eq" => OutboxFilterOp.Equals,
        "ne" => OutboxFilterOp.NotEquals,
        "lt" => OutboxFilterOp.LessThan,
        "le" => OutboxFilterOp.LessOrEqual,
        "gt" => OutboxFilterOp.GreaterThan,
        "ge" => OutboxFilterOp.GreaterOrEqual,
        "contains" => OutboxFilterOp.Contains,
        "startswith" => OutboxFilterOp.StartsWith,
        "isnull" => OutboxFilterOp.IsEmpty,
        "notnull" => OutboxFilterOp.IsNotEmpty,
        "between" => OutboxFilterOp.Between,
        _ => throw new ValidationException($"filters[{index}].op", $"Unknown operation '{op}' (eq, ne, lt, le, gt, ge, contains, startswith, isnull, notnull, between)."),
    };

    private static string? Empty(string value) => value.Length == 0 ? null : value;
}
