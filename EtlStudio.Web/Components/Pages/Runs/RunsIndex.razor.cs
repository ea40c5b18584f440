using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Runs;
using EtlStudio.Web.Auth;
using EtlStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Radzen;
using Radzen.Blazor;

namespace EtlStudio.Web.Components.Pages.Runs;

public sealed partial class RunsIndex
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(3);

    [Inject] private PipelineRunService Runs { get; set; } = default!;
    [Inject] private CurrentActor CurrentActor { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    private readonly CancellationTokenSource _closed = new();
    private RadzenDataGrid<RunSummary>? _grid;
    private Paged<RunSummary>? _page;
    private List<TaskOption> _tasks = [];
    private RunState? _state;
    private Guid? _taskId;
    private DateTime? _from;
    private bool _denied;
    private readonly LatestLoad _loads = new();
    private LoadDataArgs _last = new() { Skip = 0, Top = 20 };

    protected override async Task OnInitializedAsync()
    {
        try { _tasks = (await Runs.TasksWithRunsAsync(await CurrentActor.GetAsync())).Select(t => new TaskOption(t.Id, t.Name)).ToList(); }
        catch (DomainException ex) when (ex.Kind == ErrorKind.PermissionDenied) { _denied = true; }
        _ = LiveAsync();
    }

    private async Task LoadAsync(LoadDataArgs args)
    {
        _last = args;
        var size = args.Top ?? 20;
        try
        {
            await _loads.RunAsync(async () => await Runs.ListAsync(await CurrentActor.GetAsync(),
                new RunFilter(_taskId, _state, _from is { } f ? new DateTimeOffset(f.Date, TimeSpan.Zero) : null), new PageRequest((args.Skip ?? 0) / size + 1, size)),
                page => _page = page);
        }
        catch (DomainException ex) when (ex.Kind == ErrorKind.PermissionDenied)
        {
            _denied = true;
        }
    }

    private async Task ReloadAsync()
    {
        if (_grid is not null) await _grid.FirstPage(true);
    }

    // Refreshes the current page while anything on it is still moving, so states change before people's eyes.
    private async Task LiveAsync()
    {
        using var timer = new PeriodicTimer(Refresh);
        try
        {
            while (await timer.WaitForNextTickAsync(_closed.Token))
            {
                if (_denied || _page is null) continue;
                await InvokeAsync(async () => { await LoadAsync(_last); StateHasChanged(); });
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
