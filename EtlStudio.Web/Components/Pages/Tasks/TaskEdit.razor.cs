using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using EtlStudio.Web.Auth;
using EtlStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace EtlStudio.Web.Components.Pages.Tasks;

public partial class TaskEdit
{
    [Parameter] public Guid Id { get; set; }
    [Inject] private TaskService Tasks { get; set; } = default!;
    [Inject] private ScriptService Scripts { get; set; } = default!;
    [Inject] private ConnectionService Connections { get; set; } = default!;
    [Inject] private CurrentActor CurrentActor { get; set; } = default!;
    [Inject] private StudioDialogs Dialogs { get; set; } = default!;
    [Inject] private UiFeedback Feedback { get; set; } = default!;
    [Inject] private PipelineRunService Runs { get; set; } = default!;
    [Inject] private PipelinePreviewService Previews { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    private sealed record Anonymization(Guid? Script, bool Quasi, bool Sensitive);

    private TaskView? _task;
    private IReadOnlyList<ScriptView> _scripts = [];
    private IReadOnlyList<ConnectionView> _connections = [];
    private readonly Dictionary<(string, string), Anonymization> _anonymization = [];
    private List<Guid> _transformations = [];
    private Guid? _uploadScript, _destination;
    private int? _k, _l;
    private long? _seed;
    private bool _busy;

    private IEnumerable<ScriptView> Released(ScriptKind kind) => _scripts.Where(s => s.Kind == kind && s.Released);
    private IEnumerable<ConnectionView> Readable => _connections.Where(c => c.MyAccess.Contains(AccessType.Read) || c.MyAccess.Contains(AccessType.Owner));
    private IEnumerable<ConnectionView> Writable => _connections.Where(c => c.MyAccess.Contains(AccessType.Write) || c.MyAccess.Contains(AccessType.Owner));
    private string ScriptName(Guid id) => _scripts.FirstOrDefault(s => s.Id == id)?.Name ?? id.ToString()[..8];
    private string ConnectionName(Guid id) => _connections.FirstOrDefault(c => c.Id == id)?.Name ?? id.ToString()[..8];
    private IEnumerable<(TableConfig, ColumnConfig)> Columns() => (_task?.Configuration.Tables ?? []).SelectMany(t => t.Columns.Select(c => (t, c)));

    protected override async Task OnParametersSetAsync()
    {
        var actor = await CurrentActor.GetAsync();
        _scripts = (await Scripts.ListAsync(actor, null, null, new Core.Common.PageRequest(1, Core.Common.PageRequest.MaxPageSize))).Items;
        _connections = (await Connections.ListAsync(actor, new Core.Common.PageRequest(1, Core.Common.PageRequest.MaxPageSize))).Items;
        await ReloadAsync();
    }

    private async Task ReloadAsync()
    {
        _task = await Tasks.GetAsync(await CurrentActor.GetAsync(), Id);
        var c = _task.Configuration;
        _anonymization.Clear();
        foreach (var (t, col) in Columns())
        {
            _anonymization[(t.Name, col.Name)] = new Anonymization(col.AnonymizationScriptId, col.QuasiIdentifier, col.Sensitive);
        }
        _transformations = c.TransformationScriptIds.ToList();
        (_uploadScript, _destination) = (c.Upload?.ScriptId, c.Upload?.DestinationConnectionId);
        (_k, _l, _seed) = (c.Privacy.K, c.Privacy.L, c.Privacy.Seed);
    }

    private async Task SaveAsync(Func<Core.Common.Actor, Task> change, string done)
    {
        _busy = true;
        if (await Feedback.RunAsync(async () => await change(await CurrentActor.GetAsync()), done)) await ReloadAsync();
        _busy = false;
    }

    private async Task EditTableAsync(TableConfig? table)
    {
        var result = await Dialogs.OpenAsync<TableDialog>(table is null ? "Add table" : $"Table {table.Name}",
            new Dictionary<string, object?> { ["Table"] = table, ["Extractors"] = Released(ScriptKind.Extractor).ToList(), ["Sources"] = Readable.ToList() }, MaxWidth.Medium);
        if (result is not TableConfig edited || _task is null) return;
        var tables = _task.Configuration.Tables.Where(t => t != table && !string.Equals(t.Name, edited.Name, StringComparison.OrdinalIgnoreCase)).Append(edited).ToList();
        await SaveAsync(a => Tasks.UpdateTablesAsync(a, Id, tables), $"Table {edited.Name} saved.");
    }

    private async Task RemoveTableAsync(TableConfig table)
    {
        if (_task is null || !await Dialogs.ConfirmAsync($"Remove table {table.Name} with its sources and rules?", "Remove table", "Remove", "Keep")) return;
        await SaveAsync(a => Tasks.UpdateTablesAsync(a, Id, _task.Configuration.Tables.Where(t => t != table).ToList()), $"Table {table.Name} removed.");
    }

    private Task SaveRulesAsync(IReadOnlyList<FieldRuleBinding> rules) => SaveAsync(a => Tasks.UpdateFieldRulesAsync(a, Id, rules), "Field rules saved.");

    private Task SaveAnonymizationAsync() => SaveAsync(a => Tasks.UpdateAnonymizationAsync(a, Id,
        _anonymization.Select(x => new AnonymizationBinding(x.Key.Item1, x.Key.Item2, x.Value.Script, x.Value.Quasi, x.Value.Sensitive)).ToList(),
        new PrivacySettings(_k, _l, _seed)), "Anonymization saved.");

    private void MoveTransformation(int index, int by)
    {
        var id = _transformations[index];
        _transformations.RemoveAt(index);
        _transformations.Insert(index + by, id);
    }

    private Task SaveTransformationsAsync() => SaveAsync(a => Tasks.UpdateTransformationsAsync(a, Id, _transformations), "Transformations saved.");

    private Task SaveUploadAsync() => SaveAsync(a => Tasks.UpdateUploadAsync(a, Id, new UploadConfig(_uploadScript, _destination)), "Upload saved.");

    private Task SavePolicyAsync(PrivacyPolicy? policy) =>
        SaveAsync(a => Tasks.UpdatePrivacyPolicyAsync(a, Id, policy), policy is null ? "Privacy policy removed." : "Privacy policy saved.");

    private async Task ReleaseAsync()
    {
        if (!await Dialogs.ConfirmAsync("Release this task? Task managers can then start it.", "Release task", "Release", "Not yet")) return;
        await SaveAsync(a => Tasks.ReleaseAsync(a, Id), "Task released.");
    }

    private async Task StartAsync()
    {
        if (!await Dialogs.ConfirmAsync("Start a run of this task now? It extracts from every source and prepares an outbox for review.", "Start run", "Start", "Not now")) return;
        Guid? run = null;
        _busy = true;
        if (await Feedback.RunAsync(async () => run = await Runs.StartAsync(await CurrentActor.GetAsync(), Id), "Run started.") && run is { } id)
            Navigation.NavigateTo($"/runs/{id}");
        _busy = false;
    }

    private async Task PreviewAsync()
    {
        _busy = true;
        Core.Pipeline.PipelinePreview? preview = null;
        await Feedback.RunAsync(async () => preview = await Previews.PreviewAsync(await CurrentActor.GetAsync(), Id));
        _busy = false;
        if (preview is not null)
            await Dialogs.OpenAsync<PreviewDialog>($"Preview on the first {preview.SampleRows} rows of each source", new Dictionary<string, object?> { ["Preview"] = preview }, MaxWidth.Large);
    }

    private async Task ShowMetadataAsync()
    {
        var json = await Tasks.ExportMetadataAsync(await CurrentActor.GetAsync(), Id);
        await Dialogs.OpenAsync<MetadataDialog>("Effective metadata (JSON-LD, Croissant)", new Dictionary<string, object?> { ["Json"] = json, ["FileName"] = $"{_task?.Name ?? "task"}.jsonld" }, MaxWidth.Large);
    }
}
