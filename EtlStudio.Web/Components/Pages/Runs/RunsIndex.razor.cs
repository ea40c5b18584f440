using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Runs;
using EtlStudio.Web.Auth;
using EtlStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace EtlStudio.Web.Components.Pages.Runs;

public sealed partial class RunsIndex
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(3);

    [Inject] private IRunHistory Runs { get; set; } = default!;
    [Inject] private CurrentActor CurrentActor { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    private readonly CancellationTokenSource _closed = new();
    private MudDataGrid<RunSummary>? _grid;
    private List<TaskOption> _tasks = [];
    private RunState? _state;
    private Guid? _taskId;
    private DateTime? _from;
    private bool _denied, _loaded;

    /// <summary>The filter the grid asks with; a day chosen in "Started from" counts from its start (UTC).</summary>
    internal RunFilter Filter => new(_taskId, _state, _from is { } f ? new DateTimeOffset(f.Date, TimeSpan.Zero) : null);

    protected override async Task OnInitializedAsync()
    {
        try { _tasks = (await Runs.TasksWithRunsAsync(await CurrentActor.GetAsync())).Select(t => new TaskOption(t.Id, t.Name)).ToList(); }
        catch (DomainException ex) when (ex.Kind == ErrorKind.PermissionDenied) { _denied = true; }
        _ = LiveAsync();
    }

    private async Task<GridData<RunSummary>> LoadAsync(GridState<RunSummary> state, CancellationToken cancel)
    {
        try
        {
            var page = (await Runs.ListAsync(await CurrentActor.GetAsync(), Filter, state.ToPageRequest())).ToGridData();
            _loaded = true;
            return page;
        }
        catch (DomainException ex) when (ex.Kind == ErrorKind.PermissionDenied)
        {
            _denied = true;
            return GridPaging.Empty<RunSummary>();
        }
    }

    // Every filter change starts again from the first page.
    private async Task FilterAsync(Action change)
    {
        change();
        if (_grid is not null) await _grid.ReloadFromFirstPageAsync();
    }

    private string TaskName(Guid? id) => _tasks.FirstOrDefault(t => t.Id == id)?.Name ?? "";

    // Refreshes the current page while the page is open, so states change before people's eyes.
    private async Task LiveAsync()
    {
        using var timer = new PeriodicTimer(Refresh);
        try
        {
            while (await timer.WaitForNextTickAsync(_closed.Token))
            {
                if (_denied || !_loaded || _grid is null) continue;
                await InvokeAsync(_grid.ReloadServerData);
            }
        }
        catch (OperationCanceledException) { }
    }

    private static string Short(string? error) => error is null ? "" : error.Length <= 90 ? error : error[..87] + "...";

    private sealed record TaskOption(Guid Id, string Name);

    public void Dispose()
    {
        _closed.Cancel();
        _closed.Dispose();
    }
}
