using EtlStudio.Core.Runs;
using EtlStudio.Jobs.Runs;
using Npgsql;

namespace EtlStudio.Tests.Jobs;

public sealed class NodeCrashTests
{
    [Fact]
    public async Task A_run_on_a_node_that_goes_silent_is_recovered_and_executed_by_another_node()
    {
        await using var db = await JobsDatabase.CreateAsync();
        // Node A reaches the database under a login of its own, so it can be cut off as a crash would: no check-ins,
        // no completion, its fired trigger left behind.
        var login = "etlnode_" + Guid.NewGuid().ToString("N")[..12];
        // The test's own role is made a member of it, which is what lets the test cut its connections.
        await db.ExecAsync($"""
            CREATE ROLE "{login}" LOGIN PASSWORD 'node';
            GRANT "{login}" TO CURRENT_USER;
            GRANT USAGE ON SCHEMA app, quartz TO "{login}";
            GRANT ALL ON ALL TABLES IN SCHEMA app, quartz TO "{login}";
            GRANT ALL ON ALL SEQUENCES IN SCHEMA app, quartz TO "{login}";
            """);
        try
        {
            var runId = Guid.NewGuid();
            var onA = new RecordingExecutor { Gate = new(TaskCreationOptions.RunContinuationsAsynchronously) };
            var onB = new RecordingExecutor();
            var asA = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Username = login, Password = "node" }.ConnectionString;
            var a = await JobsNode.StartAsync(new ExistingDatabase(asA), s => s.AddExecutors(onA));
            await a.Get<IRunQueue>().EnqueueRunAsync(runId);
            await onA.Started(runId);

            await db.ExecAsync($"ALTER ROLE \"{login}\" NOLOGIN");
            await db.ExecAsync("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = @u", ("u", login));
            await using (var b = await JobsNode.StartAsync(db, s => s.AddExecutors(onB)))
            {
                await onB.Finished(runId);
                Assert.Equal(1, onB.Executions(runId));
                await Eventually.TrueAsync(async () => await db.ScalarAsync<long>(
                    "SELECT count(*) FROM app.job_executions WHERE job_name = @n AND outcome = 'Succeeded'", ("n", RunJobKeys.Run(runId).Name)) == 1,
                    "the recovered execution to be recorded");
            }

            // Let A come back and finish, so it can shut down; the run was executed once more, by B, and not again.
            await db.ExecAsync($"ALTER ROLE \"{login}\" LOGIN");
            onA.Gate.SetResult();
            await a.DisposeAsync();
            Assert.Equal(1, onA.Executions(runId));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await db.ExecAsync("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = @u", ("u", login));
            await db.ExecAsync($"""
                REVOKE ALL ON ALL TABLES IN SCHEMA app, quartz FROM "{login}";
                REVOKE ALL ON ALL SEQUENCES IN SCHEMA app, quartz FROM "{login}";
                REVOKE ALL ON SCHEMA app, quartz FROM "{login}";
                DROP ROLE IF EXISTS "{login}";
                """);
        }
    }
}
