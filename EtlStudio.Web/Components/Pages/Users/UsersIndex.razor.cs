using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
using EtlStudio.Web.Auth;
using EtlStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace EtlStudio.Web.Components.Pages.Users;

public partial class UsersIndex
{
    [Inject] private UserService Users { get; set; } = default!;
    [Inject] private CurrentActor CurrentActor { get; set; } = default!;
    [Inject] private StudioDialogs Dialogs { get; set; } = default!;
    [Inject] private UiFeedback Feedback { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;

    private MudDataGrid<UserSummary>? _grid;
    private MudDataGrid<RoleAssignmentView>? _holdersGrid;
    private UserRole? _roleFilter;
    private UserView? _selected;
    private bool _denied, _busy;
    private UserRole? _role;
    private DateTime? _until;

    private DateTime Tomorrow => Time.GetLocalNow().Date.AddDays(1);

    private IEnumerable<UserRole> AssignableRoles => Enum.GetValues<UserRole>().Where(r => _selected?.Roles.All(x => x.Role != r) ?? true);

    private async Task<GridData<UserSummary>> LoadAsync(GridState<UserSummary> state, CancellationToken cancel)
    {
        try
        {
            return (await Users.ListAsync(await CurrentActor.GetAsync(), state.ToPageRequest())).ToGridData();
        }
        catch (DomainException ex) when (ex.Kind == ErrorKind.PermissionDenied)
        {
            _denied = true;
            await InvokeAsync(StateHasChanged);
            return GridPaging.Empty<UserSummary>();
        }
    }

    private async Task<GridData<RoleAssignmentView>> LoadHoldersAsync(GridState<RoleAssignmentView> state, CancellationToken cancel) =>
        _roleFilter is not { } role ? GridPaging.Empty<RoleAssignmentView>()
            : (await Users.ListAssignmentsAsync(await CurrentActor.GetAsync(), null, role, state.ToPageRequest())).ToGridData();

    private async Task RoleFilterChangedAsync(UserRole? role)
    {
        _roleFilter = role;
        if (_holdersGrid is not null) await _holdersGrid.ReloadFromFirstPageAsync();
    }

    private async Task SelectAsync(UserSummary user) => _selected = await Users.GetAsync(await CurrentActor.GetAsync(), user.Id);

    private async Task AssignAsync()
    {
        if (_selected is null || _role is not { } role) return;
        _busy = true;
        // A role given "until" a day holds to that day's end.
        DateTimeOffset? until = _until is { } u ? new DateTimeOffset(u.Date.AddDays(1).AddSeconds(-1)) : null;
        // The message names the term as given, so a date that did not reach the server is seen at once.
        var term = _until is { } day ? $"until {day:yyyy-MM-dd}" : "with no end";
        if (await Feedback.RunAsync(async () => await Users.AssignRoleAsync(await CurrentActor.GetAsync(), _selected.Id, role, until), $"{role.ToName()} assigned to {_selected.Login} {term}."))
        {
            _role = null;
            _until = null;
            await RefreshAsync();
        }
        _busy = false;
    }

    private async Task RevokeAsync(UserRole role)
    {
        if (_selected is null) return;
        if (!await Dialogs.ConfirmAsync($"Remove the {role.ToName()} role from {_selected.Login}? It stops working at once.", "Revoke role", "Revoke", "Keep")) return;
        if (await Feedback.RunAsync(async () => await Users.RevokeRoleAsync(await CurrentActor.GetAsync(), _selected.Id, role), $"{role.ToName()} revoked."))
            await RefreshAsync();
    }

    private async Task RefreshAsync()
    {
        if (_selected is not null) _selected = await Users.GetAsync(await CurrentActor.GetAsync(), _selected.Id);
        if (_grid is not null) await _grid.ReloadServerData();
    }
}
