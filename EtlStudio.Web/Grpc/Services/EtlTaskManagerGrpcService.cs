using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Privacy;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Upload;
using EtlStudio.Core.Tasks;
using EtlStudio.Protos.TaskManager;
using CoreScripts = EtlStudio.Core.Scripts;
using Proto = EtlStudio.Protos.TaskManager;
using EtlStudio.Web.Auth.Tokens;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace EtlStudio.Web.Grpc.Services;

/// <summary>
/// etl.task.manager.V1.EtlTaskManager: the configuration methods over <see cref="TaskService"/>, and the run
/// lifecycle (Start, Pause, Resume, Stop, GetRun) over <see cref="PipelineRunService"/>, and the upload behind the privacy
/// gate over <see cref="UploadService"/> and <see cref="OutboxPrivacyService"/>.
/// </summary>
[Authorize(Policy = GrpcBearerAuthentication.Policy)]
internal sealed class EtlTaskManagerGrpcService(TaskService tasks, PipelineRunService runs, UploadService uploads, OutboxPrivacyService privacy)
    : EtlTaskManager.EtlTaskManagerBase
{
    public override async Task<CreateTaskResponse> CreateTask(CreateTaskRequest r, ServerCallContext call) =>
        new() { Id = (await tasks.CreateAsync(call.Actor(), r.Name, r.Description, call.CancellationToken)).ToString() };

    public override async Task<GetTaskResponse> GetTask(GetTaskRequest r, ServerCallContext call)
    {
        var (actor, id) = (call.Actor(), ProtoIds.Parse(r.Id, "id"));
        var task = ToProto(await tasks.GetAsync(actor, id, call.CancellationToken));
        task.MetadataJson = await tasks.ExportMetadataAsync(actor, id, includeIds: true, call.CancellationToken);
        return new GetTaskResponse { Task = task };
    }

    public override async Task<GetAllTasksResponse> GetAllTasks(GetAllTasksRequest r, ServerCallContext call)
    {
        EtlTaskStatus? status = string.IsNullOrEmpty(r.Status) ? null
            : Enum.TryParse<EtlTaskStatus>(r.Status, true, out var s) && Enum.IsDefined(s) ? s : throw new ValidationException("status", "Draft or Released.");
        var page = await tasks.ListAsync(call.Actor(), ProtoIds.Page(r.Page, r.PageSize), status, call.CancellationToken);
        var response = new GetAllTasksResponse { TotalCount = page.Total };
        response.Tasks.AddRange(page.Items.Select(t => new Proto.Task { Id = t.Id.ToString(), Name = t.Name, Status = t.Status.ToString(), UpdatedAt = t.UpdatedAt.ToProto() }));
        return response;
    }

    public override Task<UpdateTaskResponse> UpdateExtractionScript(UpdateExtractionScriptRequest r, ServerCallContext c) =>
        UpdateAsync(r.TaskId, c, id => tasks.UpdateTablesAsync(c.Actor(), id, r.Tables.Select(FromProto).ToList(), c.CancellationToken));

    public override Task<UpdateTaskResponse> UpdateFieldRules(UpdateFieldRulesRequest r, ServerCallContext c) =>
        UpdateAsync(r.TaskId, c, id => tasks.UpdateFieldRulesAsync(c.Actor(), id,
            r.Rules.Select(b => new Core.Tasks.FieldRuleBinding(b.Table, b.Column, b.ScriptIds.Select((s, i) => ProtoIds.Parse(s, $"rules[{b.Table}.{b.Column}].script_ids[{i}]")).ToList())).ToList(), c.CancellationToken));

    public override Task<UpdateTaskResponse> UpdateAnonymizationRules(UpdateAnonymizationRulesRequest r, ServerCallContext c) =>
        UpdateAsync(r.TaskId, c, id => tasks.UpdateAnonymizationAsync(c.Actor(), id,
            r.Rules.Select(b => new Core.Tasks.AnonymizationBinding(b.Table, b.Column, ProtoIds.ParseOptional(b.ScriptId, $"rules[{b.Table}.{b.Column}].script_id"), b.QuasiIdentifier, b.Sensitive)).ToList(),
            r.Privacy is null ? null : FromProto(r.Privacy), c.CancellationToken));

    public override Task<UpdateTaskResponse> UpdateTransformationScripts(UpdateTransformationScriptsRequest r, ServerCallContext c) =>
        UpdateAsync(r.TaskId, c, id => tasks.UpdateTransformationsAsync(c.Actor(), id, r.ScriptIds.Select((s, i) => ProtoIds.Parse(s, $"script_ids[{i}]")).ToList(), c.CancellationToken));

    public override Task<UpdateTaskResponse> UpdateUploadingScript(UpdateUploadingScriptRequest r, ServerCallContext c) =>
        UpdateAsync(r.TaskId, c, id => tasks.UpdateUploadAsync(c.Actor(), id, new UploadConfig(
            ProtoIds.ParseOptional(r.Upload?.ScriptId ?? "", "upload.script_id"), ProtoIds.ParseOptional(r.Upload?.DestinationConnectionId ?? "", "upload.destination_connection_id")), c.CancellationToken));

    public override Task<UpdateTaskResponse> UpdatePrivacyPolicy(UpdatePrivacyPolicyRequest r, ServerCallContext c) =>
        UpdateAsync(r.TaskId, c, id => tasks.UpdatePrivacyPolicyAsync(c.Actor(), id, r.Policy is null ? null : FromProto(r.Policy), c.CancellationToken));

    public override async Task<OutboxPrivacyResponse> GetOutboxPrivacy(RunRequest r, ServerCallContext call)
    {
        var p = await privacy.GetAsync(call.Actor(), ProtoIds.Parse(r.RunId, "run_id"), call.CancellationToken);
        var response = new OutboxPrivacyResponse
        {
            ReportJson = System.Text.Json.JsonSerializer.Serialize(p.Report, System.Text.Json.JsonSerializerOptions.Web), Passed = p.Verdict.Passed,
            Policy = ToProto(p.Verdict.Policy), ExceptionReason = p.Gate?.Exception?.Reason ?? "", ComputedAt = p.ComputedAt.ToProto(),
        };
        response.Checks.AddRange(p.Verdict.Checks.Select(x => new Proto.PolicyCheck
        {
            Table = x.Table, Threshold = x.Threshold, Column = x.Column ?? "", Value = x.Value ?? 0, HasValue = x.Value is not null, Limit = x.Limit,
            Passed = x.Passed, Description = x.Describe(),
        }));
        return response;
    }

    public override async Task<RunResponse> Upload(UploadRequest r, ServerCallContext c)
    {
        var id = ProtoIds.Parse(r.RunId, "run_id");
        await uploads.RequestAsync(c.Actor(), id, r.ExceptionReason, c.CancellationToken);
        return await RunAsync(c, id);
    }

    public override async Task<ReleaseResponse> Release(ReleaseRequest r, ServerCallContext call)
    {
        await tasks.ReleaseAsync(call.Actor(), ProtoIds.Parse(r.TaskId, "task_id"), call.CancellationToken);
        return new ReleaseResponse { Result = true };
    }

    public override async Task<RunResponse> Start(StartRequest r, ServerCallContext c) =>
        await RunAsync(c, await runs.StartAsync(c.Actor(), ProtoIds.Parse(r.TaskId, "task_id"), r.HasSeed ? r.Seed : null, c.CancellationToken));

    public override Task<RunResponse> Pause(RunRequest r, ServerCallContext c) => ChangeRunAsync(r.RunId, c, id => runs.PauseAsync(c.Actor(), id, c.CancellationToken));

    public override Task<RunResponse> Resume(RunRequest r, ServerCallContext c) => ChangeRunAsync(r.RunId, c, id => runs.ResumeAsync(c.Actor(), id, c.CancellationToken));

    public override Task<RunResponse> Stop(StopRequest r, ServerCallContext c) => ChangeRunAsync(r.RunId, c, id => runs.StopAsync(c.Actor(), id, r.DeleteOutbox, c.CancellationToken));

    public override Task<RunResponse> GetRun(RunRequest r, ServerCallContext c) => RunAsync(c, ProtoIds.Parse(r.RunId, "run_id"));

    public override async Task<ListRunRejectsResponse> ListRunRejects(ListRunRejectsRequest r, ServerCallContext call)
    {
        var filter = new RejectFilter(Empty(r.Step), Empty(r.Table), Empty(r.Rule), Empty(r.Column));
        var page = await runs.RejectsAsync(call.Actor(), ProtoIds.Parse(r.RunId, "run_id"), filter, ProtoIds.Page(r.Page, r.PageSize), call.CancellationToken);
        var response = new ListRunRejectsResponse { TotalCount = page.Total, Page = page.Page };
        response.Rejects.AddRange(page.Items.Select(x => new RunReject
        {
            Id = x.Id, Step = x.Step, Table = x.Table, Rule = x.Rule, Column = x.Column ?? "", Reason = x.Reason,
            RowId = x.RowId ?? 0, HasRowId = x.RowId is not null, RecordJson = x.Record,
        }));
        return response;
    }

    private async Task<RunResponse> ChangeRunAsync(string runId, ServerCallContext call, Func<Guid, System.Threading.Tasks.Task> change)
    {
        var id = ProtoIds.Parse(runId, "run_id");
        await change(id);
        return await RunAsync(call, id);
    }

    private async Task<RunResponse> RunAsync(ServerCallContext call, Guid id)
    {
        var v = await runs.GetAsync(call.Actor(), id, call.CancellationToken);
        var run = new Run
        {
            Id = v.Id.ToString(), TaskId = v.TaskId.ToString(), Number = v.Number, State = v.State.ToString(), CurrentStep = v.CurrentStep ?? "",
            Error = v.Error ?? "", CreatedAt = v.CreatedAt.ToProto(), FinishedAt = v.FinishedAt?.ToProto(), StartedAt = v.StartedAt?.ToProto(),
            PrivacyReportJson = v.PrivacyReportJson ?? "", ProgressRows = v.ProgressRows ?? 0, RequestedBy = v.RequestedBy,
            PauseRequested = v.PauseRequested, StopRequested = v.StopRequested,
        };
        run.Steps.AddRange(v.Steps.Select(s => new Step
        {
            Name = s.Step, Status = s.Status, RowsIn = s.RowsIn, RowsOut = s.RowsOut, RowsRejected = s.RowsRejected,
            StartedAt = s.StartedAt?.ToProto(), FinishedAt = s.FinishedAt?.ToProto(), Error = s.Error ?? "",
        }));
        return new RunResponse { Run = run };
    }

    private async Task<UpdateTaskResponse> UpdateAsync(string taskId, ServerCallContext call, Func<Guid, System.Threading.Tasks.Task> update)
    {
        var id = ProtoIds.Parse(taskId, "task_id");
        await update(id);
        var response = new UpdateTaskResponse { Result = true };
        response.Missing.AddRange((await tasks.GetAsync(call.Actor(), id, call.CancellationToken)).Missing.Select(p => p.ToString()));
        return response;
    }

    private static TableConfig FromProto(Table t) => new(t.Name,
        t.Columns.Select(c => new ColumnConfig(c.Name, ProtoIds.Defined((CoreScripts.FieldType)(int)c.Type, $"tables[{t.Name}].columns[{c.Name}].type"),
            c.FieldRuleScriptIds.Select((s, i) => ProtoIds.Parse(s, $"tables[{t.Name}].columns[{c.Name}].field_rule_script_ids[{i}]")).ToList(),
            ProtoIds.ParseOptional(c.AnonymizationScriptId, $"tables[{t.Name}].columns[{c.Name}].anonymization_script_id"), c.QuasiIdentifier, c.Sensitive)).ToList(),
        string.IsNullOrEmpty(t.PrimaryKey) ? null : t.PrimaryKey,
        ProtoIds.Defined((Core.Tasks.MergeStrategy)(int)t.MergeStrategy, $"tables[{t.Name}].merge_strategy"),
        t.ForeignKeys.Select(f => new ForeignKeyConfig(f.Column, f.ReferencesTable, f.ReferencesColumn)).ToList(),
        t.Extractions.Select((e, i) => new ExtractionConfig(ProtoIds.Parse(e.ScriptId, $"tables[{t.Name}].extractions[{i}].script_id"),
            ProtoIds.Parse(e.ConnectionId, $"tables[{t.Name}].extractions[{i}].connection_id"), e.Priority)).ToList());

    private static Core.Tasks.PrivacyPolicy FromProto(Proto.PrivacyPolicy p) => new(p.MinK == 0 ? null : p.MinK, p.MinL == 0 ? null : p.MinL,
        p.MaxHighestRisk == 0 ? null : p.MaxHighestRisk, p.MaxAverageRisk == 0 ? null : p.MaxAverageRisk, p.HasMaxRemovedShare ? p.MaxRemovedShare : null);

    private static Proto.PrivacyPolicy? ToProto(Core.Tasks.PrivacyPolicy? p) => p is null ? null : new()
    {
        MinK = p.MinK ?? 0, MinL = p.MinL ?? 0, MaxHighestRisk = p.MaxHighestRisk ?? 0, MaxAverageRisk = p.MaxAverageRisk ?? 0,
        MaxRemovedShare = p.MaxRemovedShare ?? 0, HasMaxRemovedShare = p.MaxRemovedShare is not null,
    };

    private static PrivacySettings FromProto(Privacy p) => new(p.K == 0 ? null : p.K, p.L == 0 ? null : p.L, p.HasSeed ? p.Seed : null);

    private static Proto.Task ToProto(TaskView v)
    {
        var c = v.Configuration;
        var t = new Proto.Task
        {
            Id = v.Id.ToString(), Name = v.Name, Description = v.Description, Status = v.Status.ToString(), UpdatedAt = v.UpdatedAt.ToProto(),
            Privacy = new Privacy { K = c.Privacy.K ?? 0, L = c.Privacy.L ?? 0, Seed = c.Privacy.Seed ?? 0, HasSeed = c.Privacy.Seed is not null },
            Upload = new Upload { ScriptId = c.Upload?.ScriptId?.ToString() ?? "", DestinationConnectionId = c.Upload?.DestinationConnectionId?.ToString() ?? "" },
            PrivacyPolicy = ToProto(c.Policy), ProposedPrivacyPolicy = ToProto(Core.Tasks.PrivacyPolicy.DefaultFor(c)),
        };
        t.TransformationScriptIds.AddRange(c.TransformationScriptIds.Select(x => x.ToString()));
        t.Missing.AddRange(v.Missing.Select(p => p.ToString()));
        foreach (var table in c.Tables)
        {
            var pt = new Table { Name = table.Name, PrimaryKey = table.PrimaryKey ?? "", MergeStrategy = (Proto.MergeStrategy)(int)table.MergeStrategy };
            foreach (var col in table.Columns)
            {
                var pc = new Column { Name = col.Name, Type = (ColumnType)(int)col.Type, AnonymizationScriptId = col.AnonymizationScriptId?.ToString() ?? "", QuasiIdentifier = col.QuasiIdentifier, Sensitive = col.Sensitive };
                pc.FieldRuleScriptIds.AddRange(col.FieldRuleScriptIds.Select(x => x.ToString()));
                pt.Columns.Add(pc);
            }
            pt.ForeignKeys.AddRange(table.ForeignKeys.Select(f => new ForeignKey { Column = f.Column, ReferencesTable = f.ReferencesTable, ReferencesColumn = f.ReferencesColumn }));
            pt.Extractions.AddRange(table.Extractions.Select(e => new Extraction { ScriptId = e.ScriptId.ToString(), ConnectionId = e.ConnectionId.ToString(), Priority = e.Priority }));
            t.Tables.Add(pt);
        }
        return t;
    }

    private static string? Empty(string value) => value.Length == 0 ? null : value;
}
