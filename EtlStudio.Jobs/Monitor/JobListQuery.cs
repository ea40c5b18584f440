using EtlStudio.Jobs.Hosting;

namespace EtlStudio.Jobs.Monitor;

/// <summary>
/// The SQL behind the jobs list: Quartz's job, trigger and fired-trigger rows joined with our execution history and
/// the run's state, one row per run or upload job, its <see cref="JobState"/> derived in one place.
/// </summary>
internal static class JobListQuery
{
    private const string Q = JobGroups.TablePrefix;

    public const string Sql = $$"""
        WITH jobs AS (
            SELECT jd.job_group, jd.job_name,
                   (SELECT min(t.next_fire_time) FROM {{Q}}triggers t
                     WHERE t.sched_name = jd.sched_name AND t.job_group = jd.job_group AND t.job_name = jd.job_name) AS next_fire,
                   EXISTS (SELECT 1 FROM {{Q}}triggers t
                            WHERE t.sched_name = jd.sched_name AND t.job_group = jd.job_group AND t.job_name = jd.job_name) AS has_trigger,
                   EXISTS (SELECT 1 FROM {{Q}}triggers t
                            WHERE t.sched_name = jd.sched_name AND t.job_group = jd.job_group AND t.job_name = jd.job_name
                              AND t.trigger_state IN ('PAUSED', 'PAUSED_BLOCKED')) AS trigger_paused,
                   EXISTS (SELECT 1 FROM {{Q}}fired_triggers f
                            WHERE f.sched_name = jd.sched_name AND f.job_group = jd.job_group AND f.job_name = jd.job_name
                              AND f.state = 'EXECUTING') AS executing,
                   (SELECT count(*) FROM app.job_executions x WHERE x.job_group = jd.job_group AND x.job_name = jd.job_name) AS executions,
                   e.started_at, e.finished_at, e.node, e.outcome, e.error,
                   r.id AS run_id, r.number AS run_number, r.state AS run_state, tk.name AS task_name
              FROM {{Q}}job_details jd
              LEFT JOIN LATERAL (SELECT * FROM app.job_executions x
                                  WHERE x.job_group = jd.job_group AND x.job_name = jd.job_name
                                  ORDER BY x.started_at DESC, x.id DESC LIMIT 1) e ON true
              LEFT JOIN app.pipeline_runs r
                     ON jd.job_name ~ '^(run|upload)-[0-9a-f-]{36}$' AND r.id = substring(jd.job_name FROM '[0-9a-f-]{36}$')::uuid
              LEFT JOIN app.etl_tasks tk ON tk.id = r.task_id
             WHERE jd.sched_name = @sched AND jd.job_group IN ('{{JobGroups.Runs}}', '{{JobGroups.Uploads}}')
        ), derived AS (
            SELECT *, CASE
                WHEN executing THEN 'Running'
                WHEN trigger_paused THEN 'Paused'
                WHEN has_trigger THEN 'Queued'
                WHEN job_group = '{{JobGroups.Runs}}' AND run_state = 'Paused' THEN 'Paused'
                WHEN outcome = 'Cancelled' OR (job_group = '{{JobGroups.Runs}}' AND run_state = 'Cancelled') THEN 'Cancelled'
                -- 'Running' in the history with nothing executing and nothing to recover: the firing died with its node.
                WHEN outcome IN ('Failed', 'Running') OR (job_group = '{{JobGroups.Runs}}' AND run_state = 'Failed') THEN 'Failed'
                ELSE 'Succeeded' END AS job_state
              FROM jobs
        )
        SELECT job_group, job_name, run_id, task_name, run_number, run_state, job_state, next_fire,
               started_at, finished_at, node, error, executions, count(*) OVER () AS total
          FROM derived
         WHERE (@state::text IS NULL OR job_state = @state::text)
           AND (@group::text IS NULL OR job_group = @group::text)
           AND (@name::text IS NULL OR job_name = @name::text)
         ORDER BY (started_at IS NULL) DESC, started_at DESC, job_name
         LIMIT @take OFFSET @skip
        """;
}
