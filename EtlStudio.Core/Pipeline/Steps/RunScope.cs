using Npgsql;

namespace EtlStudio.Core.Pipeline.Steps;

/// <summary>
/// One pass of the engine over a run, made once and shared by its steps: the job, its plan and checkpoint, the row
/// counts the steps pass on, and the connections a step may take besides its own, all tuned alike
/// (<see cref="SessionTuning"/>).
/// </summary>
internal sealed class RunScope
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly PipelineOptions _options;

    public RunScope(PipelineJob job, RunPlan plan, IRunCheckpoint checkpoint, NpgsqlDataSource dataSource, PipelineOptions options)
    {
        (Job, Plan, Checkpoint, _dataSource, _options) = (job, plan, checkpoint, dataSource, options);
        Side = new SideConnections(dataSource, (conn, ct) => SessionTuning.ApplyAsync(conn, null, options, ct));
    }

    public PipelineJob Job { get; }
    public RunPlan Plan { get; }
    public IRunCheckpoint Checkpoint { get; }
    public RowCounts Counts { get; } = new();
    public SideConnections Side { get; }

    /// <summary>A step's own transaction on the engine's connection.</summary>
    public async Task<StepContext> BeginAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        var tx = await conn.BeginTransactionAsync(ct);
        await SessionTuning.ApplyAsync(conn, tx, _options, ct);
        return new StepContext(this, conn, tx, Side, ownsConnection: false);
    }

    /// <summary>A transaction on a connection of its own, without side connections (see <see cref="StepContext.BeginApartAsync"/>).</summary>
    public async Task<StepContext> BeginApartAsync(CancellationToken ct)
    {
        var conn = await _dataSource.OpenConnectionAsync(ct);
        try
        {
            var tx = await conn.BeginTransactionAsync(ct);
            await SessionTuning.ApplyAsync(conn, tx, _options, ct);
            return new StepContext(this, conn, tx, side: null, ownsConnection: true);
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
    }

    /// <summary>A connection of its own logged in as <paramref name="role"/>, this run's schema first on its search path (the sandbox's).</summary>
    public async Task<NpgsqlConnection> OpenAsAsync(string role, string password, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(_dataSource.ConnectionString)
        {
            Username = role, Password = password, Pooling = false, SearchPath = Job.Schema, ApplicationName = "EtlStudio transformation",
        };
        var conn = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await conn.OpenAsync(ct);
            return conn;
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
    }
}
