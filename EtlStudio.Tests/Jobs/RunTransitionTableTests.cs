using EtlStudio.Core.Common;
using EtlStudio.Core.Domain;
using EtlStudio.Tests.Infrastructure;

namespace EtlStudio.Tests.Jobs;

/// <summary>
/// Every transition from every state, against a matrix written out by hand: where the run goes, or that it is refused
/// with FAILED_PRECONDITION's kind and its state untouched.
/// </summary>
public sealed class RunTransitionTableTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    // Rows: the transition; columns in RunState order: Queued, Running, Paused, Prepared, Uploading, Uploaded, Failed, Cancelled, Discarded.
    // "-" is refused.
    private static readonly Dictionary<RunTransition, string[]> Expected = new()
    {
        [RunTransition.Pause] = ["Paused", "-", "-", "-", "-", "-", "-", "-", "-"],
        [RunTransition.Requeue] = ["-", "-", "Queued", "-", "-", "-", "Queued", "-", "-"],
        [RunTransition.Begin] = ["Running", "Running", "-", "-", "-", "-", "-", "-", "-"],
        [RunTransition.Complete] = ["-", "Prepared", "-", "-", "-", "-", "-", "-", "-"],
        [RunTransition.Suspend] = ["-", "Paused", "-", "-", "-", "-", "-", "-", "-"],
        [RunTransition.Fail] = ["Failed", "Failed", "-", "-", "-", "-", "-", "-", "-"],
        [RunTransition.Cancel] = ["Cancelled", "Cancelled", "Cancelled", "Cancelled", "-", "-", "Cancelled", "-", "-"],
        [RunTransition.Discard] = ["Discarded", "Discarded", "Discarded", "Discarded", "-", "-", "Discarded", "Discarded", "-"],
        [RunTransition.RequestUpload] = ["-", "-", "-", "Uploading", "Uploading", "-", "-", "-", "-"],
        [RunTransition.WithdrawUpload] = ["-", "-", "-", "-", "Prepared", "-", "-", "-", "-"],
        [RunTransition.CompleteUpload] = ["-", "-", "-", "-", "Uploaded", "-", "-", "-", "-"],
    };

    public static TheoryData<RunTransition, RunState> EveryPair()
    {
        var data = new TheoryData<RunTransition, RunState>();
        foreach (var t in Enum.GetValues<RunTransition>())
        foreach (var s in Enum.GetValues<RunState>())
            data.Add(t, s);
        return data;
    }

    private static PipelineRun RunIn(RunState state) =>
        new PipelineRun { Id = Guid.NewGuid(), SchemaName = "run_test" }.In(state, Now.AddHours(-1));

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void A_transition_goes_where_the_matrix_says_or_is_refused(RunTransition transition, RunState from)
    {
        var run = RunIn(from);
        Assert.Equal(from, run.State);
        var expected = Expected[transition][(int)from];
        if (expected == "-")
        {
            var refused = Assert.Throws<DomainException>(() => run.Move(transition, Now));
            Assert.Equal(ErrorKind.FailedPrecondition, refused.Kind);
            Assert.Contains(from.ToString(), refused.Message);
            Assert.Equal(from, run.State);
        }
        else
        {
            Assert.Equal(from, run.Move(transition, Now));
            Assert.Equal(Enum.Parse<RunState>(expected), run.State);
        }
    }

    [Fact]
    public void Every_transition_and_state_is_in_the_matrix()
    {
        Assert.Equal(Enum.GetValues<RunTransition>().Length, Expected.Count);
        Assert.All(Expected.Values, row => Assert.Equal(Enum.GetValues<RunState>().Length, row.Length));
    }

    [Fact]
    public void Uploaded_and_Discarded_are_the_end_of_a_run()
    {
        foreach (var end in new[] { RunState.Uploaded, RunState.Discarded })
            Assert.DoesNotContain(Enum.GetValues<RunTransition>(), t => RunLifecycle.Allows(t, end));
    }

    [Fact]
    public void The_stamps_follow_the_transitions()
    {
        var run = RunIn(RunState.Queued);
        run.Move(RunTransition.Begin, Now);
        Assert.Equal(Now, run.StartedAt);
        run.Error = "boom";
        run.Move(RunTransition.Fail, Now.AddMinutes(1));
        Assert.Equal(Now.AddMinutes(1), run.FinishedAt);
        run.PauseRequested = true;
        run.Move(RunTransition.Requeue, Now.AddMinutes(2));
        Assert.Null(run.FinishedAt);
        Assert.Null(run.Error);
        Assert.False(run.PauseRequested);
        run.Move(RunTransition.Begin, Now.AddMinutes(3));
        Assert.Equal(Now, run.StartedAt); // the first start stays
        run.Move(RunTransition.Complete, Now.AddMinutes(4));
        run.Move(RunTransition.RequestUpload, Now.AddMinutes(5));
        run.Move(RunTransition.CompleteUpload, Now.AddMinutes(6));
        Assert.Equal(Now.AddMinutes(6), run.UploadedAt);
        Assert.Equal(Now.AddMinutes(4), run.FinishedAt);

        var stopped = RunIn(RunState.Paused);
        stopped.Move(RunTransition.Cancel, Now);
        Assert.True(stopped.StopRequested);
        Assert.Equal(Now, stopped.FinishedAt);
    }
}
