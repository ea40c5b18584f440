-- Runs on workers: progress of the step under way, and what Stop should do with the outbox.
ALTER TABLE app.pipeline_runs ADD COLUMN delete_outbox_on_stop boolean NOT NULL DEFAULT false;
ALTER TABLE app.pipeline_runs ADD COLUMN progress_rows bigint;
CREATE INDEX pipeline_runs_task_idx ON app.pipeline_runs (task_id, created_at DESC);
ALTER TABLE app.run_steps ADD CONSTRAINT run_steps_status_check CHECK (status IN ('Running', 'Succeeded', 'Failed'));
