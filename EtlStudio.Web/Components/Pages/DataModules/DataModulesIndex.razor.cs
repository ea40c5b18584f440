using EtlStudio.Core.Common;
using EtlStudio.Core.DataModules;
using EtlStudio.Core.Domain;
using EtlStudio.Web.Auth;
using EtlStudio.Web.Components.Pages.Tasks;
using EtlStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Radzen;
using Radzen.Blazor;

namespace EtlStudio.Web.Components.Pages.DataModules;

public partial class DataModulesIndex
{
    [Inject] private DataModuleService Modules { get; set; } = default!;
    [Inject] private CurrentActor CurrentActor { get; set; } = default!;
    [Inject] private DialogService Dialogs { get; set; } = default!;
    [Inject] private UiFeedback Feedback { get; set; } = default!;

    private RadzenDataGrid<DataModuleView>? _grid;
    private Paged<DataModuleView>? _page;
    private DataModuleView? _module;
    private IReadOnlyList<DataModuleVersionView> _versions = [];
    private bool _busy, _canWrite;
    private readonly LatestLoad _loads = new();

    private async Task LoadAsync(LoadDataArgs args)
    {
        var size = args.Top ?? 20;
        await Feedback.RunAsync(() => _loads.RunAsync(async () => await Modules.ListAsync(await CurrentActor.GetAsync(), new PageRequest((args.Skip ?? 0) / size + 1, size)),
            page => _page = page));
    }

    private async Task SelectAsync(DataModuleView module)
    {
        _module = module;
        _canWrite = module.MyAccess.Any(a => a is AccessType.Write or AccessType.Owner);
        await Feedback.RunAsync(async () => _versions = await Modules.VersionsAsync(await CurrentActor.GetAsync(), module.Id));
    }

    private async Task MakeCurrentAsync(DataModuleVersionView version)
    {
        if (_module is null || await Dialogs.Confirm($"Make version {version.Version} of {_module.Name} current again? Readers of the data module see it at once.",
                "Make version current", new ConfirmOptions { OkButtonText = "Make current", CancelButtonText = "Cancel" }) != true) return;
        _busy = true;
        var module = _module;
        if (await Feedback.RunAsync(async () => await Modules.MakeCurrentAsync(await CurrentActor.GetAsync(), module.Id, version.Version), $"Version {version.Version} is current."))
        {
            if (_grid is not null) await _grid.Reload();
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
                new() { ["Json"] = json, ["FileName"] = $"{module.Name}{(version is { } n ? $"-v{n}" : "")}.jsonld" }, new DialogOptions { Width = "860px" });
    }

    private Task ShowJsonAsync(string title, string json) =>
        Dialogs.OpenAsync<MetadataDialog>(title, new() { ["Json"] = json, ["FileName"] = "privacy-report.json" }, new DialogOptions { Width = "720px" });

    private async Task ImportAsync()
    {
        if (_module is null) return;
        await Dialogs.OpenAsync<ImportMetadataDialog>($"Import metadata for {_module.Name}", new() { ["ConnectionId"] = _module.Id }, new DialogOptions { Width = "760px" });
    }
}
