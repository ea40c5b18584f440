using EtlStudio.Core.Domain;
using EtlStudio.Core.Persistence;
using EtlStudio.Core.Runs;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;
using EtlStudio.Jobs.Hosting;
using EtlStudio.Tests.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EtlStudio.Tests.Jobs;

/// <summary>
/// Two worker processes of the real app on one storage: twenty real runs, handed over by a web-only node, each executed
/// exactly once — one Processing and one Succeeded state for its job, one "prepared" record for the run — and both
/// processes take part.
/// </summary>
public sealed class TwoWorkerProcessesTests(TwoWorkerProcessesTests.World world) : IClassFixture<TwoWorkerProcessesTests.World>
{
    /// <summary>The pipeline world with Hangfire's storage installed by its migrations, as the nodes expect it.</summary>
    public sealed class World : PipelineWorld
    {
        protected override void Configure(IServiceCollection services)
        {
            base.Configure(services);
            services.AddSingleton<IDatabaseSchemaInstaller, HangfireSchemaInstaller>();
        }
    }

    [Fact]
    public async Task Two_worker_processes_on_one_storage_execute_each_of_twenty_runs_exactly_once()
    {
        var extractor = await world.ExtractorAsync("SELECT id, name, age, city FROM customers ORDER BY id");
        ColumnConfig[] columns =
        [
            new("id", FieldType.Integer, []), new("name", FieldType.String, []), new("age", FieldType.Integer, []), new("city", FieldType.String, []),
        ];
        var runs = new List<Guid>();
        await using (var web = await JobsNode.StartAsync(new ExistingDatabase(world.ConnectionString), settings: new Dictionary<string, string?> { ["Workers:Mode"] = "WebOnly" }))
        {
            for (var i = 0; i < 20; i++)
            {
                var task = await world.TaskAsync([new TableConfig("customers", columns, "id", MergeStrategy.SourcePriority, [], [new ExtractionConfig(extractor, world.Crm, 10)])]);
                runs.Add(await web.Get<PipelineRunService>().StartAsync(world.Owner, task));
            }
        }

        await using var a = WorkerProcess.Start(world.ConnectionString, "worker-a");
        await using var b = WorkerProcess.Start(world.ConnectionString, "worker-b");
        try
        {
            // A run is Prepared a moment before its job is recorded as succeeded: wait for both.
            await Eventually.TrueAsync(async () => Convert.ToInt64(await world.ScalarAsync(
                "SELECT count(*) FROM app.pipeline_runs WHERE state IN ('Prepared', 'Failed')")) == runs.Count
                && Convert.ToInt64(await world.ScalarAsync(
                    "SELECT count(*) FROM hangfire.job WHERE invocationdata::text LIKE '%ExecuteRunAsync%' AND statename IN ('Succeeded', 'Failed')")) == runs.Count,
                "all twenty runs and their jobs to end", 300);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nworker-a log:\n{a.Log}\nworker-b log:\n{b.Log}", e);
        }

        await using var conn = new NpgsqlConnection(world.ConnectionString);
        await conn.OpenAsync();
        var jobs = new List<(string Args, long Processing, long Succeeded, string Servers)>();
        await using (var cmd = new NpgsqlCommand("""
            SELECT j.arguments::text,
                   count(*) FILTER (WHERE s.name = 'Processing'),
                   count(*) FILTER (WHERE s.name = 'Succeeded'),
                   coalesce(string_agg(DISTINCT s.data::jsonb ->> 'ServerId', ','), '')
              FROM hangfire.job j JOIN hangfire.state s ON s.jobid = j.id
             WHERE j.invocationdata::text LIKE '%ExecuteRunAsync%'
             GROUP BY j.id, j.arguments
            """, conn))
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync()) jobs.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3)));

        Assert.Equal(runs.Count, jobs.Count);
        Assert.All(runs, run => Assert.Single(jobs, j => j.Args.Contains(run.ToString())));
        Assert.All(jobs, j => Assert.True(j.Processing == 1 && j.Succeeded == 1, $"job {j.Args}: {j.Processing} processing, {j.Succeeded} succeeded"));
        // Hangfire's server ids carry the process id: two different ones executed runs.
        var servers = jobs.Select(j => j.Servers.Split(':')[..2]).Select(p => string.Join(':', p)).Distinct().ToList();
        Assert.True(servers.Count == 2, $"runs were executed by {string.Join(", ", servers)}");

        foreach (var run in runs)
        {
            Assert.Equal("Prepared", await world.ScalarAsync($"SELECT state FROM app.pipeline_runs WHERE id = '{run}'"));
            Assert.Equal(1L, Convert.ToInt64(await world.ScalarAsync($"SELECT count(*) FROM app.audit_entries WHERE action = 'run.prepared' AND entity_id = '{run}'")));
        }
    }
}
