using EtlStudio.Core.Common;
using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
using EtlStudio.Web.Auth;
using EtlStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Radzen;
using Radzen.Blazor;

namespace EtlStudio.Web.Components.Pages.Connections;

public partial class ConnectionsIndex
{
    [Inject] private ConnectionService Connections { get; set; } = default!;
    [Inject] private AccessPolicy Policy { get; set; } = default!;
    [Inject] private CurrentActor CurrentActor { get; set; } = default!;
    [Inject] private DialogService Dialogs { get; set; } = default!;

    private RadzenDataGrid<ConnectionView>? _grid;
    private Paged<ConnectionView>? _page;
    private bool _canCreate;
    private readonly LatestLoad _loads = new();
    private string? _search;

    protected override async Task OnInitializedAsync() =>
        _canCreate = await Policy.HasRoleAsync(await CurrentActor.GetAsync(), UserRole.CreateExtDatamodule);

    private async Task LoadAsync(LoadDataArgs args)
    {
        var size = args.Top ?? 20;
        await _loads.RunAsync(async () => await Connections.ListAsync(await CurrentActor.GetAsync(), new PageRequest((args.Skip ?? 0) / size + 1, size), _search),
            page => _page = page);
    }

    private async Task SearchAsync()
    {
        if (_grid is not null) await _grid.FirstPage(true);
    }

    private async Task RequestAsync(ConnectionView c)
    {
        if (await Dialogs.OpenAsync<RequestAccessDialog>($"Request access to {c.Name}", new() { ["Connection"] = c }) is true) await SearchAsync();
    }

    private async Task CreateAsync()
    {
        if (await Dialogs.OpenAsync<ConnectionForm>("New connection", new() { ["Existing"] = null }, new DialogOptions { Width = "640px" }) is Guid) await SearchAsync();
    }
}
