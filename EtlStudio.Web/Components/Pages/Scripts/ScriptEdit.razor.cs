using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Scripts;
using EtlStudio.Web.Auth;
using EtlStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;


namespace EtlStudio.Web.Components.Pages.Scripts;

public partial class ScriptEdit
{
    [Parameter] public Guid? Id { get; set; }
    [Inject] private ScriptService Scripts { get; set; } = default!;
    [Inject] private CurrentActor CurrentActor { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private StudioDialogs Dialogs { get; set; } = default!;
    [Inject] private UiFeedback Feedback { get; set; } = default!;

    /// <summary>The form; the kind-specific parts are read only for the chosen kind.</summary>
    private sealed class Model
    {
        public string Name { get; set; } = "";
        public ScriptKind Kind { get; set; } = ScriptKind.Extractor;
        public string Body { get; set; } = "";
        public TransformationType TransformationType { get; set; }
        public string? TargetTable { get; set; }
        public FieldType FieldType { get; set; }
        public FieldRuleType RuleType { get; set; } = FieldRuleType.IgnoreEmpty;
        public string? DefaultValue { get; set; }
        public string? MinValue { get; set; }
        public string? MaxValue { get; set; }
        public AnonymizationMethod Method { get; set; }
        public string Parameters { get; set; } = "";
    }

    private Model _m = new();
    private bool _busy, _released;
    private IReadOnlyList<ValidationProblem> _problems = [];
    private IReadOnlyList<ScriptRevisionView> _history = [];
    private IReadOnlyList<ScriptField> _fields = [];
    private Guid? _taskId;

    private string Subtitle => _released ? "Released: frozen. Saving makes a new draft derived from it." : "Draft: save as often as you like, release when it is ready.";

    private string BodyLabel => _m.Kind switch
    {
        ScriptKind.Extractor => "Query (PostgreSQL source) or request path such as GET /customers (HTTP source)",
        ScriptKind.Transformer => "SQL over the run's staged tables",
        _ => "Upload notes (optional)",
    };

    protected override async Task OnParametersSetAsync()
    {
        _problems = [];
        if (Id is not { } id)
        {
            _m = new Model();
            _released = false;
            _history = [];
            return;
        }
        await Feedback.RunAsync(async () =>
        {
            var actor = await CurrentActor.GetAsync();
            var s = await Scripts.GetAsync(actor, id);
            _released = s.Released;
            _fields = s.Fields;
            _taskId = s.TaskId;
            _m = new Model
            {
                Name = s.Name, Kind = s.Kind, Body = s.Body,
                TransformationType = s.Transformation?.Type ?? default, TargetTable = s.Transformation?.TargetTable,
                FieldType = s.FieldRule?.FieldType ?? default, RuleType = s.FieldRule?.Type ?? FieldRuleType.IgnoreEmpty,
                DefaultValue = s.FieldRule?.DefaultValue, MinValue = s.FieldRule?.MinValue, MaxValue = s.FieldRule?.MaxValue,
                Method = s.Anonymization?.Method ?? default,
                Parameters = string.Join("\n", (s.Anonymization?.Parameters ?? new Dictionary<string, string>()).Select(p => $"{p.Key}={p.Value}")),
            };
            _history = await Scripts.HistoryAsync(actor, id);
        });
    }

    private ScriptInput ToInput() => new(_m.Name, _m.Kind, _taskId, _m.Body,
        _m.Kind == ScriptKind.FieldRule ? new FieldRuleSettings(_m.FieldType, _m.RuleType, Blank(_m.DefaultValue), Blank(_m.MinValue), Blank(_m.MaxValue)) : null,
        _m.Kind == ScriptKind.AnonymizationRule ? new AnonymizationSettings(_m.Method, ParseParameters(_m.Parameters)) : null,
        _m.Kind == ScriptKind.Transformer ? new TransformationSettings(_m.TransformationType, Blank(_m.TargetTable)) : null,
        _fields);

    private async Task SaveAsync()
    {
        _busy = true;
        var input = ToInput();
        _problems = ScriptValidator.Validate(input);
        Guid? saved = null;
        if (_problems.Count == 0)
            await Feedback.RunAsync(async () =>
            {
                var actor = await CurrentActor.GetAsync();
                saved = Id is { } id ? await Scripts.UpdateAsync(actor, id, input) : await Scripts.CreateAsync(actor, input);
            }, _released ? "Saved as a new draft." : "Script saved.");
        _busy = false;
        if (saved is { } s && s != Id) Navigation.NavigateTo($"/scripts/{s}");
        else if (saved is not null) await OnParametersSetAsync();
    }

    private async Task ReleaseAsync()
    {
        if (Id is not { } id) return;
        if (!await Dialogs.ConfirmAsync("Release this script? It is frozen afterwards: later edits make a new draft.", "Release script", "Release", "Not yet")) return;
        _busy = true;
        if (await Feedback.RunAsync(async () => await Scripts.ReleaseAsync(await CurrentActor.GetAsync(), id), "Released: tasks can use it now."))
            await OnParametersSetAsync();
        _busy = false;
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static Dictionary<string, string> ParseParameters(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2 && p[0].Trim().Length > 0)
            .GroupBy(p => p[0].Trim()).ToDictionary(g => g.Key, g => g.Last()[1].Trim());
}
