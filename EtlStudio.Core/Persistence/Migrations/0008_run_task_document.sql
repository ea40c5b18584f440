-- The task's metadata document (JSON-LD) as it was when a run started, so the data-module version a run uploads is
-- described by the configuration that produced it, even if the task was changed since. NULL for older runs.
ALTER TABLE app.pipeline_runs ADD COLUMN task_document_json jsonb;
