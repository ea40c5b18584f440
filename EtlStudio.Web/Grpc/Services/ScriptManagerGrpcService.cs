using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Scripts;
using EtlStudio.Protos.ScriptManager;
using Google.Protobuf.WellKnownTypes;
using CoreScripts = EtlStudio.Core.Scripts;
using Proto = EtlStudio.Protos.ScriptManager;
using EtlStudio.Web.Auth.Tokens;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace EtlStudio.Web.Grpc.Services;

/// <summary>etl.script.manager.V1.ScriptManager (seed contract) over <see cref="ScriptService"/>.</summary>
[Authorize(Policy = GrpcBearerAuthentication.Policy)]
internal sealed class ScriptManagerGrpcService(ScriptService scripts) : Protos.ScriptManager.ScriptManager.ScriptManagerBase
{
    public override async Task<CreateScriptResponse> CreateScript(CreateScriptRequest r, ServerCallContext call)
    {
        var s = r.Script ?? throw new ValidationException("script", "The script is required.");
        var input = ToInput(s.ScriptCase, s.Name, ProtoIds.ParseOptional(s.TaskId, "script.task_id"), s.Body,
            s.FieldRule, s.AnonymizationRule, s.Transformer, s.Fields.Select(f => new ScriptField(f.ExtDatamoduleId, f.FieldName)).ToList());
        var id = await scripts.CreateAsync(call.Actor(), input, call.CancellationToken);
        return new CreateScriptResponse { Result = true, ScriptId = id.ToString() };
    }

    /// <summary>Changes only what the request carries; the kind's settings are replaced when its oneof case is set.</summary>
    public override async Task<UpdateScriptResponse> UpdateScript(UpdateScriptRequest r, ServerCallContext call)
    {
        var (actor, id) = (call.Actor(), ProtoIds.Parse(r.ScriptId, "script_id"));
        var current = await scripts.GetAsync(actor, id, call.CancellationToken);
        if (r.ScriptCase != UpdateScriptRequest.ScriptOneofCase.None && KindOf(r.ScriptCase) != current.Kind)
            throw new ValidationException("script", $"This is a {current.Kind} script; it keeps its kind.");
        var removed = r.FieldsToRemove.Select(f => (f.ExtDatamoduleId, f.FieldName)).ToHashSet();
        var fields = current.Fields.Where(f => !removed.Contains((f.ExtDatamoduleId, f.FieldName)))
            .Concat(r.FieldsToAdd.Select(f => new ScriptField(f.ExtDatamoduleId, f.FieldName))).Distinct().ToList();
        var input = new ScriptInput(r.Name ?? current.Name, current.Kind, current.TaskId, r.Body ?? current.Body,
            r.FieldRule is { } rule ? FromProto(rule) : current.FieldRule,
            r.AnonymizationRule is { } anon ? FromProto(anon) : current.Anonymization,
            r.Transformer is { } t ? FromProto(t) : current.Transformation, fields);
        if (r.Transformer?.TransformationScript_ is { } sql) input = input with { Body = sql };
        var newId = await scripts.UpdateAsync(actor, id, input, call.CancellationToken);
        return new UpdateScriptResponse { Result = true, ScriptId = newId.ToString() };
    }

    public override async Task<ReleaseScriptResponse> ReleaseScript(ReleaseScriptRequest r, ServerCallContext call)
    {
        await scripts.ReleaseAsync(call.Actor(), ProtoIds.Parse(r.ScriptId, "script_id"), call.CancellationToken);
        return new ReleaseScriptResponse { Result = true };
    }

    public override async Task<GetScriptResponse> GetScript(GetScriptRequest r, ServerCallContext call) =>
        new() { Script = ToProto(await scripts.GetAsync(call.Actor(), ProtoIds.Parse(r.ScriptId, "script_id"), call.CancellationToken)) };

    public override async Task<GetAllScriptResponse> GetAllScript(GetAllScriptRequest r, ServerCallContext call)
    {
        var page = await scripts.ListAsync(call.Actor(), ProtoIds.ParseOptional(r.EtlTaskId, "etl_task_id"), null, ProtoIds.Page(r.Page, r.PageSize), null, call.CancellationToken);
        var response = new GetAllScriptResponse { TotalCount = page.Total };
        response.Scripts.AddRange(page.Items.Select(ToProto));
        return response;
    }

    private static ScriptInput ToInput(Proto.Script.ScriptOneofCase kindCase, string name, Guid? taskId, string body,
        Proto.FieldRule? rule, AnonymizationRule? anonymization, TransformationScript? transformer, IReadOnlyList<ScriptField> fields)
    {
        if (kindCase == Proto.Script.ScriptOneofCase.None)
            throw new ValidationException("script.script", "Set one of extractor, field_rule, anonymization_rule, transformer or uploader.");
        var kind = kindCase switch
        {
            Proto.Script.ScriptOneofCase.Extractor => ScriptKind.Extractor,
            Proto.Script.ScriptOneofCase.FieldRule => ScriptKind.FieldRule,
            Proto.Script.ScriptOneofCase.AnonymizationRule => ScriptKind.AnonymizationRule,
            Proto.Script.ScriptOneofCase.Transformer => ScriptKind.Transformer,
            _ => ScriptKind.Uploader,
        };
        var sql = transformer?.TransformationScript_;
        return new ScriptInput(name, kind, taskId, sql ?? body, rule is null ? null : FromProto(rule),
            anonymization is null ? null : FromProto(anonymization), transformer is null ? null : FromProto(transformer), fields);
    }

    private static ScriptKind KindOf(UpdateScriptRequest.ScriptOneofCase c) => c switch
    {
        UpdateScriptRequest.ScriptOneofCase.Extractor => ScriptKind.Extractor,
        UpdateScriptRequest.ScriptOneofCase.FieldRule => ScriptKind.FieldRule,
        UpdateScriptRequest.ScriptOneofCase.AnonymizationRule => ScriptKind.AnonymizationRule,
        UpdateScriptRequest.ScriptOneofCase.Transformer => ScriptKind.Transformer,
        _ => ScriptKind.Uploader,
    };

    private static FieldRuleSettings FromProto(Proto.FieldRule r) => new(
        ProtoIds.Defined((CoreScripts.FieldType)(int)r.FieldType, "field_rule.field_type"), ProtoIds.Defined((CoreScripts.FieldRuleType)(int)r.Type, "field_rule.type"),
        Empty(r.DefaultValue), Empty(r.MinValue), Empty(r.MaxValue));

    private static AnonymizationSettings FromProto(AnonymizationRule r) =>
        new(ProtoIds.Defined((AnonymizationMethod)(int)r.Type, "anonymization_rule.type"), r.Parameters.ToDictionary(p => p.Key, p => p.Value));

    private static TransformationSettings FromProto(TransformationScript t) =>
        new(ProtoIds.Defined((CoreScripts.TransformationType)(int)t.Type, "transformer.type"), Empty(t.TargetTable));

    private static Proto.Script ToProto(ScriptView v)
    {
        var s = new Proto.Script
        {
            Id = v.Id.ToString(), TaskId = v.TaskId?.ToString() ?? "", Released = v.Released, Name = v.Name, Body = v.Body,
            Revision = v.Revision, DerivedFromId = v.DerivedFromId?.ToString() ?? "",
        };
        s.Fields.AddRange(v.Fields.Select(f => new Proto.Field { ExtDatamoduleId = f.ExtDatamoduleId, FieldName = f.FieldName }));
        switch (v.Kind)
        {
            case ScriptKind.Extractor: s.Extractor = new Empty(); break;
            case ScriptKind.Uploader: s.Uploader = new Empty(); break;
            case ScriptKind.FieldRule when v.FieldRule is { } r:
                s.FieldRule = new Proto.FieldRule
                {
                    FieldType = (Proto.FieldType)(int)r.FieldType, Type = (Proto.FieldRuleType)(int)r.Type,
                    DefaultValue = r.DefaultValue ?? "", MinValue = r.MinValue ?? "", MaxValue = r.MaxValue ?? "",
                };
                break;
            case ScriptKind.AnonymizationRule when v.Anonymization is { } a:
                s.AnonymizationRule = new AnonymizationRule { Type = (AnonymizationRuleType)(int)a.Method };
                foreach (var (key, value) in a.Parameters) s.AnonymizationRule.Parameters[key] = value;
                break;
            case ScriptKind.Transformer when v.Transformation is { } t:
                s.Transformer = new TransformationScript { TransformationScript_ = v.Body, Type = (Proto.TransformationType)(int)t.Type, TargetTable = t.TargetTable ?? "" };
                break;
        }
        return s;
    }

    private static string? Empty(string value) => string.IsNullOrEmpty(value) ? null : value;

}
