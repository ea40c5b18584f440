using EtlStudio.Core.Access;
using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
using EtlStudio.Web.Auth;
using EtlStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace EtlStudio.Web.Components.Pages.Connections;

public partial class ConnectionsIndex
{
    [Inject] private ConnectionService Connections { get; set; } = default!;
    [Inject] private AccessPolicy Policy { get; set; } = default!;
    [Inject] private CurrentActor CurrentActor { get; set; } = default!;
    [Inject] private StudioDialogs Dialogs { get; set; } = default!;
    [Inject] private AccessRequestService Access { get; set; } = default!;
    [Inject] private UiFeedback Feedback { get; set; } = default!;

    private MudDataGrid<ConnectionView>? _grid;
    private bool _canCreate;
    private string? _search;

    protected override async Task OnInitializedAsync() =>
        _canCreate = await Policy.HasRoleAsync(await CurrentActor.GetAsync(), UserRole.CreateExtDatamodule);

    private async Task<GridData<ConnectionView>> LoadAsync(GridState<ConnectionView> state, CancellationToken cancel) =>
        (await Connections.ListAsync(await CurrentActor.GetAsync(), state.ToPageRequest(), _search)).ToGridData();

    private Task SearchAsync() => _grid?.ReloadFromFirstPageAsync() ?? Task.CompletedTask;

    private async Task RequestAsync(ConnectionView c)
    {
        Func<AccessRequestDraft, Task<bool>> send = draft => Feedback.RunAsync(async () =>
            await Access.RequestAsync(await CurrentActor.GetAsync(), c.Id, draft.Access, draft.Reason, draft.Days), "Request sent to the owners.");
        if (await Dialogs.OpenAsync<RequestAccessDialog>($"Request access to {c.Name}", new Dictionary<string, object?> { ["Connection"] = c, ["Send"] = send }) is true)
            await SearchAsync();
    }

    private async Task CreateAsync()
    {
        if (await Dialogs.OpenAsync<ConnectionForm>("New connection", null, MaxWidth.Medium) is Guid) await SearchAsync();
    }
}
