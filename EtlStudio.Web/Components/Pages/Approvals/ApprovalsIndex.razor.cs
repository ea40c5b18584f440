using EtlStudio.Core.Access;
using EtlStudio.Core.Domain;
using EtlStudio.Web.Auth;
using EtlStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace EtlStudio.Web.Components.Pages.Approvals;

public partial class ApprovalsIndex
{
    [Inject] private AccessRequestService Access { get; set; } = default!;
    [Inject] private CurrentActor CurrentActor { get; set; } = default!;
    [Inject] private StudioDialogs Dialogs { get; set; } = default!;
    [Inject] private UiFeedback Feedback { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;

    private MudDataGrid<AccessRequestView>? _grid;
    private int _tab;

    private AccessRequestScope Scope => _tab switch { 1 => AccessRequestScope.DecidedByMe, 2 => AccessRequestScope.Mine, _ => AccessRequestScope.AwaitingMyDecision };

    private string EmptyText => Scope switch
    {
        AccessRequestScope.AwaitingMyDecision => "Nothing waits for you. Requests for connections you own appear here.",
        AccessRequestScope.DecidedByMe => "You have not decided any request yet.",
        _ => "You have not asked for access yet. Ask from the Connections page.",
    };

    // The grid cancels an earlier load when a later one starts (tab changed meanwhile), so a late answer never shows.
    private async Task<GridData<AccessRequestView>> LoadAsync(GridState<AccessRequestView> state, CancellationToken cancel) =>
        (await Access.ListAsync(await CurrentActor.GetAsync(), new AccessRequestFilter(Scope), state.ToPageRequest())).ToGridData();

    private Task TabChangedAsync(int index)
    {
        _tab = index;
        return _grid?.ReloadFromFirstPageAsync() ?? Task.CompletedTask;
    }

    private Task ReloadAsync() => _grid?.ReloadServerData() ?? Task.CompletedTask;

    private async Task DecideAsync(AccessRequestView request, bool approve, bool withPeriod)
    {
        var title = approve ? $"Approve {request.Access.ToString().ToUpperInvariant()} for {request.RequesterLogin}" : $"Deny {request.RequesterLogin}'s request";
        Func<AccessDecision, Task<bool>> decide = d => SaveDecisionAsync(request, d);
        var decided = await Dialogs.OpenAsync<DecisionDialog>(title,
            new Dictionary<string, object?> { ["Request"] = request, ["Approve"] = approve, ["AskPeriod"] = withPeriod, ["Decide"] = decide });
        if (decided is true) await ReloadAsync();
    }

    private Task<bool> SaveDecisionAsync(AccessRequestView request, AccessDecision decision) =>
        Feedback.RunAsync(async () => await Access.DecideAsync(await CurrentActor.GetAsync(), request.Id, decision.Approve, decision.Comment, decision.Until),
            $"{(decision.Approve ? "Approved" : "Denied")}. {request.RequesterLogin} has been notified.");

    private string Age(DateTimeOffset at)
    {
        var age = Time.GetUtcNow() - at;
        return age.TotalMinutes < 1 ? "just now" : age.TotalHours < 1 ? $"{(int)age.TotalMinutes} min ago" : age.TotalDays < 1 ? $"{(int)age.TotalHours} h ago" : $"{(int)age.TotalDays} days ago";
    }

    private static Color Style(AccessRequestStatus status) => status switch
    {
        AccessRequestStatus.Approved => Color.Success,
        AccessRequestStatus.Denied => Color.Error,
        AccessRequestStatus.Pending => Color.Warning,
        _ => Color.Default,
    };
}
