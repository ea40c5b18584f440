using EtlStudio.Core.Common;
using EtlStudio.Jobs.Monitor;
using EtlStudio.Web.Auth;
using EtlStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace EtlStudio.Web.Components.Pages.Jobs;

public partial class JobsIndex
{
    // Live, but gentle on the database: every open page costs a few aggregate queries per tick.
    private static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(5);
    private static readonly JobState?[] States = Enum.GetValues<JobState>().Select(s => (JobState?)s).ToArray();

    [Inject] private JobMonitorService Monitor { get; set; } = default!;
    [Inject] private CurrentActor CurrentActor { get; set; } = default!;
    [Inject] private StudioDialogs Dialogs { get; set; } = default!;
    [Inject] private UiFeedback Feedback { get; set; } = default!;

    private readonly CancellationTokenSource _stop = new();
    private MudDataGrid<JobView>? _grid;
    private IReadOnlyList<RecurringJobView> _recurring = [];
    private IReadOnlyList<ClusterNodeView> _nodes = [];
    private JobState? _state;
    private bool _busy;
    private string? _denied;
    private DateTimeOffset? _updatedAt;

    protected override async Task OnInitializedAsync()
    {
        await RefreshSideAsync();
        _ = RefreshLoopAsync();
    }

    private async Task<GridData<JobView>> LoadAsync(GridState<JobView> state, CancellationToken cancel)
    {
        try
        {
            var page = await Monitor.ListJobsAsync(await CurrentActor.GetAsync(), _state, state.ToPageRequest(), _stop.Token);
            _updatedAt = DateTimeOffset.UtcNow;
            return page.ToGridData();
        }
        catch (DomainException ex) when (ex.Kind == ErrorKind.PermissionDenied)
        {
            _denied = ex.Message;
            StateHasChanged();
            return GridPaging.Empty<JobView>();
        }
    }

    private Task LoadPageAsync() => _grid?.ReloadServerData() ?? Task.CompletedTask;

    private async Task RefreshSideAsync()
    {
        try
        {
            var actor = await CurrentActor.GetAsync();
            _recurring = await Monitor.ListRecurringAsync(actor, _stop.Token);
            _nodes = await Monitor.ListNodesAsync(actor, _stop.Token);
        }
        catch (DomainException ex) when (ex.Kind == ErrorKind.PermissionDenied)
        {
            _denied = ex.Message;
        }
    }

    private async Task RefreshLoopAsync()
    {
        using var timer = new PeriodicTimer(RefreshEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                if (_denied is not null || _busy) continue;
                await InvokeAsync(async () =>
                {
                    await LoadPageAsync();
                    await RefreshSideAsync();
                    StateHasChanged();
                });
            }
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
    }

    private async Task StateChangedAsync(JobState? state)
    {
        _state = state;
        await LoadPageAsync();
    }

    private Task RetryAsync(JobView job) => ActAsync(async actor => await Monitor.RetryAsync(actor, job.Group, job.Name), "Queued again");

    private async Task CancelAsync(JobView job)
    {
        var what = job.State == JobState.Running ? "It is running: the worker is asked to stop at once." : "It has not started yet.";
        if (!await Dialogs.ConfirmAsync($"Cancel {job.Name}? {what}", "Cancel job", "Cancel job", "Keep")) return;
        await ActAsync(async actor => await Monitor.CancelAsync(actor, job.Group, job.Name), "Cancelled");
    }

    private Task TriggerNowAsync(RecurringJobView job) => ActAsync(async actor => await Monitor.TriggerNowAsync(actor, job.Name), $"{job.Name} triggered");

    private async Task ActAsync(Func<Actor, Task> action, string success)
    {
        _busy = true;
        try
        {
            await Feedback.RunAsync(async () => await action(await CurrentActor.GetAsync()), success);
            await LoadPageAsync();
            await RefreshSideAsync();
        }
        finally
        {
            _busy = false;
        }
    }

    private static string Duration(JobView j) => j.LastFinishedAt is { } end && j.LastStartedAt is { } start
        ? $"took {(end - start).TotalSeconds:0.#} s" : "running";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _stop.Dispose();
    }
}
