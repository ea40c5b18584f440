using EtlStudio.Jobs.Hosting;
using Quartz;

namespace EtlStudio.Tests.Jobs;

/// <summary>Reads the shared Quartz store and our execution history the way any node would see them.</summary>
public static class JobStore
{
    public static Task<long> TriggerCountAsync(this JobsDatabase db, JobKey job) =>
        db.ScalarAsync<long>($"SELECT count(*) FROM {JobGroups.TablePrefix}triggers WHERE job_group = @g AND job_name = @n",
            ("g", job.Group), ("n", job.Name));

    public static Task<long> FinishedExecutionsAsync(this JobsDatabase db, JobKey job) =>
        db.ScalarAsync<long>("SELECT count(*) FROM app.job_executions WHERE job_group = @g AND job_name = @n AND finished_at IS NOT NULL",
            ("g", job.Group), ("n", job.Name));

    public static Task<long> ExecutionsAsync(this JobsDatabase db, JobKey job) =>
        db.ScalarAsync<long>("SELECT count(*) FROM app.job_executions WHERE job_group = @g AND job_name = @n",
            ("g", job.Group), ("n", job.Name));

    /// <summary>Done: the firing is recorded as finished and no trigger is left that could fire the job again.</summary>
    public static Task WaitUntilSettledAsync(this JobsDatabase db, JobKey job, long executions = 1) =>
        Eventually.TrueAsync(async () => await db.FinishedExecutionsAsync(job) >= executions && await db.TriggerCountAsync(job) == 0,
            $"{job} to finish {executions} time(s) with no trigger left");

    /// <summary>Waits until the job has finished at least <paramref name="times"/> firings.</summary>
    public static Task WaitUntilFiredAsync(this JobsDatabase db, JobKey job, long times) =>
        Eventually.TrueAsync(async () => await db.FinishedExecutionsAsync(job) >= times, $"{job} to finish {times} firing(s)");
}
