using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Privacy;
using EtlStudio.Core.Runs;
using EtlStudio.Web.Auth;
using EtlStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace EtlStudio.Web.Components.Pages.Runs;

public sealed partial class RunDetails
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(2);

    [Parameter] public Guid Id { get; set; }
    [Inject] private PipelineRunService Runs { get; set; } = default!;
    [Inject] private CurrentActor CurrentActor { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private StudioDialogs Dialogs { get; set; } = default!;
    [Inject] private UiFeedback Feedback { get; set; } = default!;
    [Inject] private OutboxPrivacyService Privacy { get; set; } = default!;

    private readonly CancellationTokenSource _closed = new();
    private RunView? _run;
    private List<StepRow> _steps = [];
    private MudDataGrid<RejectView>? _rejectGrid;
    private string? _rejectStep;
    private static readonly IReadOnlyList<StepOption> StepOptions = Enum.GetValues<PipelineStep>().Select(s => new StepOption(s.ToString(), StepNames.Short(s))).ToList();
    private bool _busy, _missing;
    private OutboxPrivacy? _privacy;
    private RunState? _privacyFor;

    protected override async Task OnInitializedAsync()
    {
        await LoadAsync();
        _ = LiveAsync();
    }

    private async Task LoadAsync()
    {
        try
        {
            _run = await Runs.GetAsync(await CurrentActor.GetAsync(), Id);
            _steps = Enum.GetValues<PipelineStep>().Select(StepRow.For(_run)).ToList();
            await LoadPrivacyAsync(_run);
        }
        catch (DomainException ex) when (ex.Kind is ErrorKind.NotFound or ErrorKind.PermissionDenied)
        {
            _missing = true;
        }
    }

    /// <summary>Once the run has an outbox, the policy's verdict on it (again when the state changes); left out for those who may not view outboxes.</summary>
    private async Task LoadPrivacyAsync(RunView run)
    {
        if (run.State is not (RunState.Prepared or RunState.Uploading or RunState.Uploaded) || _privacyFor == run.State) return;
        _privacyFor = run.State;
        var actor = await CurrentActor.GetAsync();
        if (!await Privacy.CanViewAsync(actor)) return;
        try { _privacy = await Privacy.GetAsync(actor, run.Id); }
        catch (DomainException ex) when (ex.Kind is ErrorKind.PermissionDenied or ErrorKind.NotFound) { _privacy = null; }
    }

    private async Task<GridData<RejectView>> LoadRejectsAsync(GridState<RejectView> state, CancellationToken cancel) =>
        (await Runs.RejectsAsync(await CurrentActor.GetAsync(), Id, new RejectFilter(Step: _rejectStep), state.ToPageRequest())).ToGridData();

    private async Task RejectStepChangedAsync(string? step)
    {
        _rejectStep = step;
        if (_rejectGrid is not null) await _rejectGrid.ReloadServerData();
    }

    private Task PauseAsync() => ActAsync(a => Runs.PauseAsync(a, Id), "Pause requested: the run stops after its current step.");

    private Task ResumeAsync() => ActAsync(a => Runs.ResumeAsync(a, Id), "The run goes on from its last finished step.");

    private async Task StopAsync()
    {
        var choice = await Dialogs.OpenAsync<StopRunDialog>("Stop this run?", new Dictionary<string, object?> { ["Prepared"] = _run?.State == RunState.Prepared });
        if (choice is not bool deleteOutbox) return;
        await ActAsync(a => Runs.StopAsync(a, Id, deleteOutbox), deleteOutbox ? "Run stopped; its staged data is deleted." : "Run stopped.");
    }

    private async Task ActAsync(Func<Actor, Task> action, string success)
    {
        _busy = true;
        await Feedback.RunAsync(async () => await action(await CurrentActor.GetAsync()), success);
        await LoadAsync();
        _busy = false;
    }

    // While the run moves, its steps, progress and rejects are refreshed; a finished run stops asking.
    private async Task LiveAsync()
    {
        using var timer = new PeriodicTimer(Refresh);
        try
        {
            while (await timer.WaitForNextTickAsync(_closed.Token))
            {
                if (_run is null || !_run.IsActive) continue;
                await InvokeAsync(async () =>
                {
                    await LoadAsync();
                    if (_rejectGrid is not null) await _rejectGrid.ReloadServerData();
                    StateHasChanged();
                });
            }
        }
        catch (OperationCanceledException) { }
    }

    public void Dispose()
    {
        _closed.Cancel();
        _closed.Dispose();
    }
}

/// <summary>A step in the rejects filter: its name as the rejects store it, and as people read it.</summary>
internal sealed record StepOption(string Value, string Text);
