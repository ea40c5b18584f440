-- Privacy gate (issue #33). The privacy report computed again on an outbox as it stands, with the sum of its tables'
-- edit counts it was computed at (app.outbox_edits): a different sum means an edit since, and the report is computed
-- again. Kept apart from the run's row so that refreshing it never races a change of the run itself.
CREATE TABLE app.outbox_privacy (
    run_id      uuid PRIMARY KEY REFERENCES app.pipeline_runs (id) ON DELETE CASCADE,
    edits       bigint NOT NULL,
    report_json jsonb NOT NULL,
    computed_at timestamptz NOT NULL
);
-- What the gate decided when the upload was asked for: the policy, the report it checked, every threshold's value and
-- limit, and an administrator's exception with its reason. Written into the version's metadata.
ALTER TABLE app.pipeline_runs ADD COLUMN privacy_gate_json jsonb;
