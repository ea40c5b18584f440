using EtlStudio.Core.Access;
using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Web.Auth;
using EtlStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Radzen;
using Radzen.Blazor;

namespace EtlStudio.Web.Components.Pages.Approvals;

public partial class ApprovalsIndex
{
    [Inject] private AccessRequestService Access { get; set; } = default!;
    [Inject] private CurrentActor CurrentActor { get; set; } = default!;
    [Inject] private DialogService Dialogs { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;

    private RadzenDataGrid<AccessRequestView>? _grid;
    private Paged<AccessRequestView>? _page;
    private readonly LatestLoad _loads = new();
    private int _tab;

    private AccessRequestScope Scope => _tab switch { 1 => AccessRequestScope.DecidedByMe, 2 => AccessRequestScope.Mine, _ => AccessRequestScope.AwaitingMyDecision };

    private string EmptyText => Scope switch
    {
        AccessRequestScope.AwaitingMyDecision => "Nothing waits for you. Requests for connections you own appear here.",
        AccessRequestScope.DecidedByMe => "You have not decided any request yet.",
        _ => "You have not asked for access yet. Ask from the Connections page.",
    };

    private async Task LoadAsync(LoadDataArgs args)
    {
        var size = args.Top ?? 20;
        await _loads.RunAsync(async () => await Access.ListAsync(await CurrentActor.GetAsync(), new AccessRequestFilter(Scope), new PageRequest((args.Skip ?? 0) / size + 1, size)),
            page => _page = page);
    }

    private Task TabChangedAsync(int index)
    {
        _tab = index;
        return ReloadAsync();
    }

    private async Task ReloadAsync()
    {
        if (_grid is not null) await _grid.FirstPage(true);
    }

    private async Task DecideAsync(AccessRequestView request, bool approve, bool withPeriod)
    {
        var title = approve ? $"Approve {request.Access.ToString().ToUpperInvariant()} for {request.RequesterLogin}" : $"Deny {request.RequesterLogin}'s request";
        var decided = await Dialogs.OpenAsync<DecisionDialog>(title, new() { ["Request"] = request, ["Approve"] = approve, ["AskPeriod"] = withPeriod });
        if (decided is true) await ReloadAsync();
    }

    private string Age(DateTimeOffset at)
    {
        var age = Time.GetUtcNow() - at;
        return age.TotalMinutes < 1 ? "just now" : age.TotalHours < 1 ? $"{(int)age.TotalMinutes} min ago" : age.TotalDays < 1 ? $"{(int)age.TotalHours} h ago" : $"{(int)age.TotalDays} days ago";
    }

    private static BadgeStyle Style(AccessRequestStatus status) => status switch
    {
        AccessRequestStatus.Approved => BadgeStyle.Success,
        AccessRequestStatus.Denied => BadgeStyle.Danger,
        AccessRequestStatus.Pending => BadgeStyle.Warning,
        _ => BadgeStyle.Light,
    };
}
