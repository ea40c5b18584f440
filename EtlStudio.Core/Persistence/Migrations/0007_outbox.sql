-- Outbox (issue #8): how many edits each outbox table has had. Page counts are cached keyed by this number, so a
-- cached count is never served after an edit on any node; the row goes with its run.
CREATE TABLE app.outbox_edits (
    run_id     uuid NOT NULL REFERENCES app.pipeline_runs (id) ON DELETE CASCADE,
    table_name text NOT NULL,
    edits      bigint NOT NULL,
    PRIMARY KEY (run_id, table_name)
);
