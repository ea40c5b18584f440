-- S3-compatible object storage as a kind of connection (issue 31).
ALTER TABLE app.connections DROP CONSTRAINT IF EXISTS connections_kind_check;
ALTER TABLE app.connections ADD CONSTRAINT connections_kind_check CHECK (kind IN ('PostgreSql','HttpJson','S3'));

-- The version number an S3 upload writes under, claimed once per run before its first part: a resumed upload writes the
-- same v<N>/ again, and two runs can never claim the same number for one destination.
CREATE TABLE app.s3_upload_claims (
    run_id        uuid PRIMARY KEY REFERENCES app.pipeline_runs (id) ON DELETE CASCADE,
    connection_id uuid NOT NULL REFERENCES app.connections (id) ON DELETE CASCADE,
    version       integer NOT NULL,
    claimed_at    timestamptz NOT NULL,
    CONSTRAINT s3_upload_claims_version_key UNIQUE (connection_id, version)
);

-- Parquet parts written and verified, with what the Croissant FileObject needs; a resumed upload skips them.
CREATE TABLE app.s3_upload_parts (
    run_id     uuid NOT NULL REFERENCES app.pipeline_runs (id) ON DELETE CASCADE,
    table_name text NOT NULL,
    part       integer NOT NULL,
    object_key text NOT NULL,
    rows       bigint NOT NULL,
    bytes      bigint NOT NULL,
    sha256     text NOT NULL,
    done_at    timestamptz NOT NULL,
    PRIMARY KEY (run_id, table_name, part)
);
