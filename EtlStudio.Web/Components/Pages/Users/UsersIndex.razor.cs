using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
using EtlStudio.Web.Auth;
using EtlStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Radzen;
using Radzen.Blazor;

namespace EtlStudio.Web.Components.Pages.Users;

public partial class UsersIndex
{
    [Inject] private UserService Users { get; set; } = default!;
    [Inject] private CurrentActor CurrentActor { get; set; } = default!;
    [Inject] private DialogService Dialogs { get; set; } = default!;
    [Inject] private UiFeedback Feedback { get; set; } = default!;

    private RadzenDataGrid<UserSummary>? _grid;
    private RadzenDataGrid<RoleAssignmentView>? _holdersGrid;
    private Paged<RoleAssignmentView>? _holders;
    private UserRole? _roleFilter;
    private Paged<UserSummary>? _page;
    private UserView? _selected;
    private bool _denied, _busy;
    private readonly LatestLoad _loads = new();
    private readonly LatestLoad _holderLoads = new();
    private UserRole? _role;
    private DateTime? _until;

    private IEnumerable<object> AssignableRoles => Enum.GetValues<UserRole>()
        .Where(r => _selected?.Roles.All(x => x.Role != r) ?? true)
        .Select(r => new { Text = $"{r.ToName()} — {r.Describe()}", Value = (UserRole?)r });

    private async Task LoadAsync(LoadDataArgs args)
    {
        var size = args.Top ?? 20;
        try
        {
            await _loads.RunAsync(async () => await Users.ListAsync(await CurrentActor.GetAsync(), new PageRequest((args.Skip ?? 0) / size + 1, size)), page => _page = page);
        }
        catch (DomainException ex) when (ex.Kind == ErrorKind.PermissionDenied)
        {
            _denied = true;
        }
    }

    private async Task LoadHoldersAsync(LoadDataArgs args)
    {
        if (_roleFilter is not { } role) return;
        var size = args.Top ?? 20;
        await _holderLoads.RunAsync(async () => await Users.ListAssignmentsAsync(await CurrentActor.GetAsync(), null, role, new PageRequest((args.Skip ?? 0) / size + 1, size)),
            holders => _holders = holders);
    }

    private async Task RoleFilterChangedAsync()
    {
        _holders = null;
        if (_holdersGrid is not null) await _holdersGrid.FirstPage(true);
    }

    private async Task SelectAsync(UserSummary user) => _selected = await Users.GetAsync(await CurrentActor.GetAsync(), user.Id);

    private async Task AssignAsync()
    {
        if (_selected is null || _role is not { } role) return;
        _busy = true;
        DateTimeOffset? until = _until is { } u ? new DateTimeOffset(u.Date.AddDays(1).AddSeconds(-1)) : null;
        if (await Feedback.RunAsync(async () => await Users.AssignRoleAsync(await CurrentActor.GetAsync(), _selected.Id, role, until), $"{role.ToName()} assigned to {_selected.Login}."))
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
        var sure = await Dialogs.Confirm($"Remove the {role.ToName()} role from {_selected.Login}? It stops working at once.", "Revoke role",
            new ConfirmOptions { OkButtonText = "Revoke", CancelButtonText = "Keep" });
        if (sure != true) return;
        if (await Feedback.RunAsync(async () => await Users.RevokeRoleAsync(await CurrentActor.GetAsync(), _selected.Id, role), $"{role.ToName()} revoked."))
            await RefreshAsync();
    }

    private async Task RefreshAsync()
    {
        if (_selected is not null) _selected = await Users.GetAsync(await CurrentActor.GetAsync(), _selected.Id);
        if (_grid is not null) await _grid.Reload();
    }
}
