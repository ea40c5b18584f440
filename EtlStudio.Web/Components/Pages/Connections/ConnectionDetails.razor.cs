using EtlStudio.Core.Access;
using EtlStudio.Core.Common;
using EtlStudio.Core.Connections;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Identity;
using EtlStudio.Web.Auth;
using EtlStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace EtlStudio.Web.Components.Pages.Connections;

public partial class ConnectionDetails
{
    [Parameter] public Guid Id { get; set; }
    [Inject] private ConnectionService Connections { get; set; } = default!;
    [Inject] private AccessRequestService Access { get; set; } = default!;
    [Inject] private CurrentActor CurrentActor { get; set; } = default!;
    [Inject] private StudioDialogs Dialogs { get; set; } = default!;
    [Inject] private UiFeedback Feedback { get; set; } = default!;

    private ConnectionView? _connection;
    private IReadOnlyList<GrantHolderView>? _grants;
    private ConnectionTestResult? _test;
    private bool _isOwner, _missing, _testing;

    protected override Task OnParametersSetAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        var actor = await CurrentActor.GetAsync();
        try
        {
            _connection = await Connections.GetAsync(actor, Id);
        }
        catch (DomainException ex) when (ex.Kind == ErrorKind.NotFound)
        {
            _missing = true;
            return;
        }
        _isOwner = _connection.MyAccess.Contains(AccessType.Owner);
        _grants = _isOwner ? await Access.ListGrantsAsync(actor, Id) : null;
    }

    private async Task TestAsync()
    {
        _testing = true;
        await Feedback.RunAsync(async () => _test = await Connections.TestAsync(await CurrentActor.GetAsync(), Id));
        _testing = false;
    }

    private async Task EditAsync()
    {
        if (await Dialogs.OpenAsync<ConnectionForm>("Edit connection", new Dictionary<string, object?> { ["Existing"] = _connection }, MaxWidth.Medium) is Guid)
            await LoadAsync();
    }

    private async Task RevokeAsync(GrantHolderView grant)
    {
        if (!await Dialogs.ConfirmAsync($"Revoke {grant.Access.ToString().ToUpperInvariant()} access of {grant.Login}? Runs that need it will fail until access is granted again.",
                "Revoke access", "Revoke", "Keep")) return;
        if (await Feedback.RunAsync(async () => await Access.RevokeGrantAsync(await CurrentActor.GetAsync(), grant.GrantId), $"Access of {grant.Login} revoked."))
            await LoadAsync();
    }
}
