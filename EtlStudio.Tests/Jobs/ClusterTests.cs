using EtlStudio.Core.Runs;
using EtlStudio.Jobs.Runs;
using Hangfire;
using Hangfire.States;
using Npgsql;

namespace EtlStudio.Tests.Jobs;

public sealed class ClusterTests
{
    [Fact]
    public async Task A_run_job_that_finds_the_runs_lock_held_is_retried_later_and_never_reported_done_meanwhile()
    {
        await using var db = await JobsDatabase.CreateAsync();
        await using var node = await JobsNode.StartAsync(db);
        var runId = Guid.NewGuid();
        // Another worker's execution, as far as the job can tell: the run's lock is held.
        await using var other = await db.DataSource.OpenConnectionAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@k)", other))
        {
            take.Parameters.AddWithValue("k", RunLock.PipelineKey(runId));
            await take.ExecuteNonQueryAsync();
        }

        await node.Get<IRunQueue>().EnqueueRunAsync(runId);
        var jobId = (await db.JobsOfAsync(nameof(RunJobs.ExecuteRunAsync))).Single().Id;
        await node.WaitForStateAsync(jobId, ScheduledState.StateName);
        Assert.Contains(await db.ListAsync("SELECT name, reason, data::text FROM hangfire.state WHERE jobid = @id::bigint", ("id", jobId)),
            s => s.Item1 == FailedState.StateName && s.Item3.Contains(nameof(RunBusyException)));
        Assert.DoesNotContain(await db.ListAsync("SELECT name, '', '' FROM hangfire.state WHERE jobid = @id::bigint", ("id", jobId)),
            s => s.Item1 == SucceededState.StateName);

        // The other execution ends; the retry runs (this run does not exist, so the executor has nothing to do).
        await using (var release = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", other)) await release.ExecuteNonQueryAsync();
        await node.WaitForStateAsync(jobId, SucceededState.StateName, 90);
    }
}
