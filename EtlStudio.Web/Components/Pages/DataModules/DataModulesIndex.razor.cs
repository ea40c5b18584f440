using EtlStudio.Core.Common;
using EtlStudio.Core.DataModules;
using EtlStudio.Core.Domain;
using EtlStudio.Web.Auth;
using EtlStudio.Web.Components.Pages.Tasks;
using EtlStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace EtlStudio.Web.Components.Pages.DataModules;

public partial class DataModulesIndex
{
    [Inject] private DataModuleService Modules { get; set; } = default!;
    [Inject] private CurrentActor CurrentActor { get; set; } = default!;
    [Inject] private StudioDialogs Dialogs { get; set; } = default!;
    [Inject] private UiFeedback Feedback { get; set; } = default!;

    private MudDataGrid<DataModuleView>? _grid;
    private DataModuleView? _module;
    private IReadOnlyList<DataModuleVersionView> _versions = [];
    private bool _busy, _canWrite;

    private async Task<GridData<DataModuleView>> LoadAsync(GridState<DataModuleView> state, CancellationToken cancel)
    {
        var page = GridPaging.Empty<DataModuleView>();
        await Feedback.RunAsync(async () => page = (await Modules.ListAsync(await CurrentActor.GetAsync(), state.ToPageRequest())).ToGridData());
        return page;
    }

    private async Task SelectAsync(DataModuleView module)
    {
        _module = module;
        _canWrite = module.MyAccess.Any(a => a is AccessType.Write or AccessType.Owner);
        await Feedback.RunAsync(async () => _versions = await Modules.VersionsAsync(await CurrentActor.GetAsync(), module.Id));
    }

    private async Task MakeCurrentAsync(DataModuleVersionView version)
    {
        if (_module is null || !await Dialogs.ConfirmAsync($"Make version {version.Version} of {_module.Name} current again? Readers of the data module see it at once.",
                "Make version current", "Make current", "Cancel")) return;
        _busy = true;
        var module = _module;
        if (await Feedback.RunAsync(async () => await Modules.MakeCurrentAsync(await CurrentActor.GetAsync(), module.Id, version.Version), $"Version {version.Version} is current."))
        {
            if (_grid is not null) await _grid.ReloadServerData();
            await SelectAsync(module with { CurrentVersion = version.Version });
        }
        _busy = false;
    }

    private async Task ShowMetadataAsync(int? version)
    {
        if (_module is null) return;
        var module = _module;
        string? json = null;
        if (await Feedback.RunAsync(async () => json = await Modules.ExportMetadataAsync(await CurrentActor.GetAsync(), module.Id, version)) && json is not null)
            await Dialogs.OpenAsync<MetadataDialog>($"Metadata of {module.Name}{(version is { } v ? $" v{v}" : "")}",
                new Dictionary<string, object?> { ["Json"] = json, ["FileName"] = $"{module.Name}{(version is { } n ? $"-v{n}" : "")}.jsonld" }, MaxWidth.Large);
    }

    private Task ShowJsonAsync(string title, string json) =>
        Dialogs.OpenAsync<MetadataDialog>(title, new Dictionary<string, object?> { ["Json"] = json, ["FileName"] = "privacy-report.json" }, MaxWidth.Medium);

    private async Task ImportAsync()
    {
        if (_module is null) return;
        await Dialogs.OpenAsync<ImportMetadataDialog>($"Import metadata for {_module.Name}", new Dictionary<string, object?> { ["ConnectionId"] = _module.Id }, MaxWidth.Medium);
    }

    /// <summary>What the privacy gate decided for a version, and an administrator's exception with its reason.</summary>
    private static string PrivacyLine(DataModuleVersionView v) => Core.Privacy.PrivacyGateRecord.Read(v.PrivacyGateJson) switch
    {
        null => "not checked (published before the gate)",
        { Policy: null } => "no policy",
        { Passed: true } => "met",
        { Exception: { } e } g => $"failed ({string.Join("; ", g.Checks.Where(c => !c.Passed).Select(c => c.Describe()))}) — published by {e.ByLogin}: “{e.Reason}”",
        _ => "failed",
    };
}
