using System.Text.Json;
using EtlStudio.Core.Domain;
using EtlStudio.Core.Pipeline;
using EtlStudio.Tests.Infrastructure;
using Npgsql;

namespace EtlStudio.Tests.Grpc;

/// <summary>
/// Pause, Resume, Stop and Stop-with-delete over gRPC (python3-grpcio) on a run in every state: the status each answers
/// and the state the run is in afterwards. The node only enqueues (WebOnly), so no worker moves a run meanwhile.
/// </summary>
public sealed class GrpcLifecycleMatrixTests(GrpcLifecycleMatrixTests.App app) : IClassFixture<GrpcLifecycleMatrixTests.App>
{
    private static readonly string[] Actions = ["Pause", "Resume", "Stop", "StopDelete"];

    public sealed class App : AppProcess
    {
        public JsonElement Results { get; private set; }

        protected override IDictionary<string, string> Environment => new Dictionary<string, string> { ["Workers__Mode"] = "WebOnly" };

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            var template = (await PythonGrpcClient.RunAsync("lifecycle_matrix.py", "start", BaseUrl, GrpcTarget)).GetProperty("run").GetString()!;
            // One copy of the demo task's run per state and action, written as the states are stored.
            var cases = new Dictionary<string, string[]>();
            await using var conn = new NpgsqlConnection(DatabaseConnectionString);
            await conn.OpenAsync();
            foreach (var state in Enum.GetValues<RunState>())
            foreach (var action in Actions)
            {
                var id = Guid.NewGuid();
                await using var cmd = new NpgsqlCommand("""
                    INSERT INTO app.pipeline_runs (id, task_id, number, state, schema_name, definition_json, task_document_json, seed, requested_by, created_at)
                    SELECT @id, task_id, (SELECT max(number) + 1 FROM app.pipeline_runs r WHERE r.task_id = t.task_id), @state, @schema,
                           definition_json, task_document_json, seed, requested_by, now()
                    FROM app.pipeline_runs t WHERE id = @template
                    """, conn);
                cmd.Parameters.AddWithValue("id", id);
                cmd.Parameters.AddWithValue("state", state.ToString());
                cmd.Parameters.AddWithValue("schema", StagingLayout.SchemaFor(id));
                cmd.Parameters.AddWithValue("template", Guid.Parse(template));
                Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
                cases[$"{action}:{state}"] = [id.ToString(), action];
            }
            var file = Path.GetTempFileName();
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(cases));
            Results = await PythonGrpcClient.RunAsync("lifecycle_matrix.py", "act", BaseUrl, GrpcTarget, file);
            File.Delete(file);
        }
    }

    // Written out by hand from the use cases: what each call may do from each state, and where the run ends.
    public static TheoryData<string, RunState, string, RunState> Matrix()
    {
        const string ok = "OK", refused = "FAILED_PRECONDITION";
        var data = new TheoryData<string, RunState, string, RunState>
        {
            { "Pause", RunState.Queued, ok, RunState.Paused },
            { "Pause", RunState.Running, ok, RunState.Running }, // asked to pause after its step
            { "Resume", RunState.Paused, ok, RunState.Queued },
            { "Resume", RunState.Failed, ok, RunState.Queued },
            { "Resume", RunState.Prepared, ok, RunState.Uploading }, // its outbox is uploaded
            { "Resume", RunState.Uploading, ok, RunState.Uploading }, // an upload that stopped half-way goes on
            { "Stop", RunState.Running, ok, RunState.Running }, // asked to stop at its next check
            { "StopDelete", RunState.Running, ok, RunState.Running },
        };
        foreach (var s in new[] { RunState.Queued, RunState.Paused, RunState.Failed, RunState.Prepared })
        {
            data.Add("Stop", s, ok, RunState.Cancelled);
            data.Add("StopDelete", s, ok, RunState.Discarded);
        }
        var allowed = data.Select(row => ((string)row[0], (RunState)row[1])).ToHashSet();
        foreach (var action in Actions)
        foreach (var s in Enum.GetValues<RunState>())
            if (!allowed.Contains((action, s)))
                data.Add(action, s, refused, s);
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void Each_call_answers_its_status_and_leaves_the_run_where_the_lifecycle_says(string action, RunState from, string code, RunState after)
    {
        var result = app.Results.GetProperty($"{action}:{from}");
        Assert.True(code == result.GetProperty("code").GetString(),
            $"{action} on a {from} run answered {result.GetProperty("code").GetString()} ({result.GetProperty("details").GetString()}), expected {code}");
        Assert.Equal(after.ToString(), result.GetProperty("state").GetString());
        // A refusal says why, in words a client can show.
        if (code != "OK") Assert.False(string.IsNullOrWhiteSpace(result.GetProperty("details").GetString()));
    }

    [Fact]
    public void Every_state_and_call_is_in_the_matrix() => Assert.Equal(Actions.Length * Enum.GetValues<RunState>().Length, Matrix().Count);
}
