using Hangfire;
using Hangfire.States;

namespace EtlStudio.Tests.Jobs;

/// <summary>Reads the shared Hangfire storage the way any node (or the dashboard) sees it.</summary>
public static class JobStore
{
    public static string? StateOf(this JobsNode node, string jobId)
    {
        using var connection = node.Get<JobStorage>().GetConnection();
        return connection.GetJobData(jobId)?.State;
    }

    public static Task WaitForStateAsync(this JobsNode node, string jobId, string state, int seconds = 60) =>
        Eventually.TrueAsync(() => Task.FromResult(node.StateOf(jobId) == state), $"job {jobId} to be {state}", seconds);

    /// <summary>Fires a recurring job now, as the dashboard's Trigger does, and waits until that firing succeeded.</summary>
    public static async Task TriggerAndWaitAsync(this JobsNode node, string recurringJobId)
    {
        var jobId = node.Get<IRecurringJobManagerV2>().TriggerJob(recurringJobId)
            ?? throw new InvalidOperationException($"Recurring job {recurringJobId} is not declared.");
        await node.WaitForStateAsync(jobId, SucceededState.StateName);
    }

    /// <summary>The ids of every job ever created for <paramref name="method"/>, whatever their state, oldest first.</summary>
    public static Task<List<(string Id, string State, string Args)>> JobsOfAsync(this JobsDatabase db, string method) =>
        db.ListAsync("SELECT id::text, statename, arguments FROM hangfire.job WHERE invocationdata::text LIKE @m ORDER BY id", ("m", $"%{method}%"));
}
