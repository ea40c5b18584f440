using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using EtlStudio.Tests.Infrastructure;

namespace EtlStudio.Tests.Pipeline;

/// <summary>Every transition of a run's life (use cases Process and Stop), and every refusal with its reason.</summary>
public sealed class RunLifecycleTests(PipelineWorld world) : IClassFixture<PipelineWorld>
{
    private PipelineRunService Runs => world.Get<PipelineRunService>();

    private async Task<Guid> TaskAsync() => await world.TaskAsync([new TableConfig("customers",
        [new ColumnConfig("id", FieldType.Integer, []), new ColumnConfig("name", FieldType.String, [])], "id", MergeStrategy.SourcePriority, [],
        [new ExtractionConfig(await world.ExtractorAsync("SELECT id, name FROM customers"), world.Crm, 1)])]);

    private Task ExecuteAsync(Guid run) => world.Get<IPipelineRunExecutor>().ExecuteAsync(run, CancellationToken.None);

    private async Task<RunState> StateAsync(Guid run) => (await Runs.GetAsync(world.Owner, run)).State;

    private async Task RefusedAsync(Func<Task> action, string reason)
    {
        var ex = await Assert.ThrowsAsync<DomainException>(action);
        Assert.Equal(ErrorKind.FailedPrecondition, ex.Kind);
        Assert.Contains(reason, ex.Message);
    }

    [Fact]
    public async Task A_queued_run_pauses_at_once_resumes_and_prepares_and_a_second_start_waits_for_it()
    {
        var task = await TaskAsync();
        var run = await Runs.StartAsync(world.Owner, task);
        Assert.Equal(RunState.Queued, await StateAsync(run));
        await RefusedAsync(() => Runs.StartAsync(world.Owner, task), "is not finished yet");
        await Runs.PauseAsync(world.Owner, run);
        Assert.Equal(RunState.Paused, await StateAsync(run));
        await ExecuteAsync(run);  // a paused run is left alone by a worker
        Assert.Equal(RunState.Paused, await StateAsync(run));
        await RefusedAsync(() => Runs.PauseAsync(world.Owner, run), "Only a queued or running run can be paused");
        await Runs.ResumeAsync(world.Owner, run);
        Assert.Equal(RunState.Queued, await StateAsync(run));
        await ExecuteAsync(run);
        Assert.Equal(RunState.Prepared, await StateAsync(run));
        // Prepared: a new run may start; the prepared one is stopped (kept) or discarded.
        var next = await Runs.StartAsync(world.Owner, task);
        await Runs.StopAsync(world.Owner, next, deleteOutbox: false);
        Assert.Equal(RunState.Cancelled, await StateAsync(next));
        await ExecuteAsync(next);  // a cancelled run never runs
        Assert.Equal(RunState.Cancelled, await StateAsync(next));
        await RefusedAsync(() => Runs.ResumeAsync(world.Owner, next), "this one is cancelled");
        await RefusedAsync(() => Runs.StopAsync(world.Owner, next, true), "nothing to stop");
    }

    [Fact]
    public async Task A_pause_requested_while_running_stops_after_the_current_step_and_resume_skips_finished_steps()
    {
        var run = await Runs.StartAsync(world.Owner, await TaskAsync());
        // As a worker would see it: the run has started and a pause arrives before its next step.
        await world.ScalarAsync($"UPDATE app.pipeline_runs SET state = 'Running', pause_requested = true WHERE id = '{run}'");
        await ExecuteAsync(run);
        var paused = await Runs.GetAsync(world.Owner, run);
        Assert.Equal(RunState.Paused, paused.State);
        Assert.False(paused.PauseRequested);
        Assert.Empty(paused.Steps);
        await Runs.ResumeAsync(world.Owner, run);
        await ExecuteAsync(run);
        var done = await Runs.GetAsync(world.Owner, run);
        Assert.Equal(RunState.Prepared, done.State);
        Assert.Equal(7, done.Steps.Count);
        await RefusedAsync(() => Runs.PauseAsync(world.Owner, run), "prepared");
    }

    [Fact]
    public async Task Stop_with_delete_discards_the_staged_data_and_a_failed_run_can_be_retried()
    {
        var run = await Runs.StartAsync(world.Owner, await TaskAsync());
        await ExecuteAsync(run);
        Assert.Equal(1L, await world.ScalarAsync($"SELECT count(*) FROM pg_namespace WHERE nspname = 'run_{run:N}'"));
        await Runs.StopAsync(world.Owner, run, deleteOutbox: true);
        Assert.Equal(RunState.Discarded, await StateAsync(run));
        Assert.Equal(0L, await world.ScalarAsync($"SELECT count(*) FROM pg_namespace WHERE nspname = 'run_{run:N}'"));

        var broken = await world.TaskAsync([new TableConfig("customers", [new ColumnConfig("id", FieldType.Integer, [])], null, MergeStrategy.SourcePriority, [],
            [new ExtractionConfig(await world.ExtractorAsync("SELECT id FROM no_such_table"), world.Crm, 1)])]);
        var failed = await Runs.StartAsync(world.Owner, broken);
        await ExecuteAsync(failed);
        Assert.Equal(RunState.Failed, await StateAsync(failed));
        await Runs.ResumeAsync(world.Owner, failed);
        Assert.Equal(RunState.Queued, await StateAsync(failed));
        await ExecuteAsync(failed);
        Assert.Equal(RunState.Failed, await StateAsync(failed));
    }

    [Fact]
    public async Task Only_task_managers_start_and_stop_runs_and_each_refusal_is_audited()
    {
        var task = await TaskAsync();
        var editor = await world.CreateAsync("editor", UserRole.EditTask);
        var ex = await Assert.ThrowsAsync<DomainException>(() => Runs.StartAsync(editor, task));
        Assert.Equal(ErrorKind.PermissionDenied, ex.Kind);
        var run = await Runs.StartAsync(world.Owner, task);
        Assert.Equal(ErrorKind.PermissionDenied, (await Assert.ThrowsAsync<DomainException>(() => Runs.StopAsync(editor, run, false))).Kind);
        Assert.Equal(2L, await world.ScalarAsync($"SELECT count(*) FROM app.audit_entries WHERE actor_id = '{editor.UserId}' AND outcome = 'Denied'"));
        // Reading is allowed to editors: they follow the runs of their tasks.
        Assert.Equal(RunState.Queued, (await Runs.GetAsync(editor, run)).State);
        await Runs.StopAsync(world.Owner, run, false);
    }
}
