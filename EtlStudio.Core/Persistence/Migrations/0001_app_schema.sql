-- EtlStudio application schema. Hand-written: the EF design-time tooling does not exist here.
CREATE SCHEMA IF NOT EXISTS app;

CREATE TABLE app.users (
    id               uuid PRIMARY KEY,
    login            text NOT NULL,
    display_name     text NOT NULL,
    email            text,
    external_issuer  text,
    external_subject text,
    is_active        boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL,
    last_sign_in_at  timestamptz,
    CONSTRAINT users_login_key UNIQUE (login),
    CONSTRAINT users_external_key UNIQUE (external_issuer, external_subject)
);

CREATE TABLE app.role_assignments (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES app.users (id) ON DELETE CASCADE,
    role        text NOT NULL CHECK (role IN ('EDIT_TASK','MANAGE_DATA','CREATE_EXT_DATAMODULE','PROCESS_ETL_TASK','ADMIN')),
    assigned_by uuid REFERENCES app.users (id),
    assigned_at timestamptz NOT NULL,
    expires_at  timestamptz,
    CONSTRAINT role_assignments_user_role_key UNIQUE (user_id, role)
);
CREATE INDEX role_assignments_role_idx ON app.role_assignments (role, assigned_at);
CREATE INDEX role_assignments_expires_idx ON app.role_assignments (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE app.connections (
    id                       uuid PRIMARY KEY,
    name                     text NOT NULL,
    kind                     text NOT NULL CHECK (kind IN ('PostgreSql','HttpJson')),
    description              text NOT NULL DEFAULT '',
    contract_json            jsonb NOT NULL DEFAULT '{}',
    secret_cipher            text NOT NULL,
    secret_hint              text NOT NULL DEFAULT '',
    version                  integer NOT NULL DEFAULT 0,
    collection_protocol_json jsonb NOT NULL DEFAULT '{}',
    created_by               uuid NOT NULL REFERENCES app.users (id),
    created_at               timestamptz NOT NULL,
    updated_at               timestamptz NOT NULL,
    CONSTRAINT connections_name_key UNIQUE (name)
);

CREATE TABLE app.connection_grants (
    id            uuid PRIMARY KEY,
    connection_id uuid NOT NULL REFERENCES app.connections (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL REFERENCES app.users (id) ON DELETE CASCADE,
    access        text NOT NULL CHECK (access IN ('Read','Write','Owner')),
    granted_by    uuid REFERENCES app.users (id),
    granted_at    timestamptz NOT NULL,
    expires_at    timestamptz,
    CONSTRAINT connection_grants_key UNIQUE (connection_id, user_id, access)
);
CREATE INDEX connection_grants_user_idx ON app.connection_grants (user_id);
CREATE INDEX connection_grants_expires_idx ON app.connection_grants (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE app.access_requests (
    id               uuid PRIMARY KEY,
    connection_id    uuid NOT NULL REFERENCES app.connections (id) ON DELETE CASCADE,
    requester_id     uuid NOT NULL REFERENCES app.users (id) ON DELETE CASCADE,
    access           text NOT NULL CHECK (access IN ('Read','Write')),
    reason           text NOT NULL,
    wished_days      integer CHECK (wished_days > 0),
    status           text NOT NULL CHECK (status IN ('Pending','Approved','Denied','Expired')),
    created_at       timestamptz NOT NULL,
    decided_by       uuid REFERENCES app.users (id),
    decided_at       timestamptz,
    decision_comment text,
    grant_expires_at timestamptz
);
CREATE INDEX access_requests_connection_idx ON app.access_requests (connection_id, status);
CREATE INDEX access_requests_requester_idx ON app.access_requests (requester_id, created_at DESC);
-- One open request per user, connection and access type.
CREATE UNIQUE INDEX access_requests_pending_key ON app.access_requests (connection_id, requester_id, access) WHERE status = 'Pending';

CREATE TABLE app.notifications (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES app.users (id) ON DELETE CASCADE,
    title      text NOT NULL,
    body       text NOT NULL DEFAULT '',
    link       text,
    created_at timestamptz NOT NULL,
    read_at    timestamptz
);
CREATE INDEX notifications_user_idx ON app.notifications (user_id, created_at DESC);
CREATE INDEX notifications_unread_idx ON app.notifications (user_id) WHERE read_at IS NULL;

CREATE TABLE app.etl_tasks (
    id                 uuid PRIMARY KEY,
    name               text NOT NULL,
    description        text NOT NULL DEFAULT '',
    status             text NOT NULL CHECK (status IN ('Draft','Released')),
    configuration_json jsonb NOT NULL DEFAULT '{}',
    created_by         uuid NOT NULL REFERENCES app.users (id),
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    released_at        timestamptz,
    CONSTRAINT etl_tasks_name_key UNIQUE (name)
);

CREATE TABLE app.scripts (
    id              uuid PRIMARY KEY,
    task_id         uuid REFERENCES app.etl_tasks (id) ON DELETE SET NULL,
    name            text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('Extractor','FieldRule','AnonymizationRule','Transformer','Uploader')),
    body            text NOT NULL DEFAULT '',
    settings_json   jsonb NOT NULL DEFAULT '{}',
    fields_json     jsonb NOT NULL DEFAULT '[]',
    released        boolean NOT NULL DEFAULT false,
    released_at     timestamptz,
    revision        integer NOT NULL DEFAULT 1,
    derived_from_id uuid REFERENCES app.scripts (id),
    created_by      uuid NOT NULL REFERENCES app.users (id),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX scripts_task_idx ON app.scripts (task_id, kind);

CREATE TABLE app.script_revisions (
    id            uuid PRIMARY KEY,
    script_id     uuid NOT NULL REFERENCES app.scripts (id) ON DELETE CASCADE,
    revision      integer NOT NULL,
    body          text NOT NULL,
    settings_json jsonb NOT NULL,
    fields_json   jsonb NOT NULL,
    changed_by    uuid NOT NULL REFERENCES app.users (id),
    changed_at    timestamptz NOT NULL,
    CONSTRAINT script_revisions_key UNIQUE (script_id, revision)
);

CREATE TABLE app.pipeline_runs (
    id                  uuid PRIMARY KEY,
    task_id             uuid NOT NULL REFERENCES app.etl_tasks (id),
    number              integer NOT NULL,
    state               text NOT NULL CHECK (state IN ('Queued','Running','Paused','Prepared','Uploading','Uploaded','Failed','Cancelled','Discarded')),
    current_step        text,
    pause_requested     boolean NOT NULL DEFAULT false,
    stop_requested      boolean NOT NULL DEFAULT false,
    schema_name         text NOT NULL,
    definition_json     jsonb NOT NULL,
    seed                bigint,
    requested_by        uuid NOT NULL REFERENCES app.users (id),
    created_at          timestamptz NOT NULL,
    started_at          timestamptz,
    finished_at         timestamptz,
    uploaded_at         timestamptz,
    error               text,
    privacy_report_json jsonb,
    CONSTRAINT pipeline_runs_number_key UNIQUE (task_id, number),
    CONSTRAINT pipeline_runs_schema_key UNIQUE (schema_name)
);
CREATE INDEX pipeline_runs_state_idx ON app.pipeline_runs (state, created_at DESC);

CREATE TABLE app.run_steps (
    run_id        uuid NOT NULL REFERENCES app.pipeline_runs (id) ON DELETE CASCADE,
    step          text NOT NULL,
    ordinal       integer NOT NULL,
    status        text NOT NULL,
    rows_in       bigint NOT NULL DEFAULT 0,
    rows_out      bigint NOT NULL DEFAULT 0,
    rows_rejected bigint NOT NULL DEFAULT 0,
    started_at    timestamptz,
    finished_at   timestamptz,
    error         text,
    PRIMARY KEY (run_id, step)
);

CREATE TABLE app.datamodule_versions (
    id                  uuid PRIMARY KEY,
    connection_id       uuid NOT NULL REFERENCES app.connections (id) ON DELETE CASCADE,
    version             integer NOT NULL,
    run_id              uuid NOT NULL REFERENCES app.pipeline_runs (id),
    created_by          uuid NOT NULL REFERENCES app.users (id),
    created_at          timestamptz NOT NULL,
    tables_json         jsonb NOT NULL,
    privacy_report_json jsonb,
    metadata_json       jsonb NOT NULL DEFAULT '{}',
    CONSTRAINT datamodule_versions_key UNIQUE (connection_id, version),
    -- One version per run: a resumed upload can never publish twice.
    CONSTRAINT datamodule_versions_run_key UNIQUE (connection_id, run_id)
);

CREATE TABLE app.upload_batches (
    run_id     uuid NOT NULL REFERENCES app.pipeline_runs (id) ON DELETE CASCADE,
    table_name text NOT NULL,
    batch      integer NOT NULL,
    rows       bigint NOT NULL,
    done_at    timestamptz NOT NULL,
    PRIMARY KEY (run_id, table_name, batch)
);

CREATE TABLE app.data_protection_keys (
    id           serial PRIMARY KEY,
    friendly_name text NOT NULL,
    xml          text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT data_protection_keys_name_key UNIQUE (friendly_name)
);

-- The audit trail: append-only, each entry chained to the previous one by SHA-256.
CREATE TABLE app.audit_entries (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL,
    actor_id       uuid NOT NULL,
    actor_login    text NOT NULL,
    source         text NOT NULL CHECK (source IN ('ui','grpc','job')),
    action         text NOT NULL,
    entity_type    text NOT NULL,
    entity_id      text,
    outcome        text NOT NULL CHECK (outcome IN ('Success','Denied')),
    changes_json   jsonb NOT NULL DEFAULT '{}',
    correlation_id text,
    client_address text,
    prev_hash      bytea NOT NULL,
    hash           bytea NOT NULL
);
CREATE INDEX audit_entries_at_idx ON app.audit_entries (at DESC);
CREATE INDEX audit_entries_actor_idx ON app.audit_entries (actor_login, at DESC);
CREATE INDEX audit_entries_entity_idx ON app.audit_entries (entity_type, entity_id, at DESC);
CREATE INDEX audit_entries_action_idx ON app.audit_entries (action, at DESC);

CREATE FUNCTION app.audit_entries_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON app.audit_entries
    FOR EACH ROW EXECUTE FUNCTION app.audit_entries_refuse_change();
CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON app.audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION app.audit_entries_refuse_change();

-- The identity recurring jobs act under (Actor.SystemUserId).
INSERT INTO app.users (id, login, display_name, is_active, created_at)
VALUES ('00000000-0000-0000-0000-000000000001', 'system', 'EtlStudio jobs', true, now());

-- The digest of one audit entry, chained to the previous entry's hash. Writing and verifying
-- both call this function, so they agree on the canonical text (jsonb normalises its own text).
CREATE FUNCTION app.audit_entry_digest(
    prev_hash bytea, at timestamptz, actor_id uuid, actor_login text, source text, action text,
    entity_type text, entity_id text, outcome text, changes_json jsonb, correlation_id text, client_address text)
RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(prev_hash || convert_to(concat_ws(E'\x1f',
        (extract(epoch FROM at) * 1000000)::bigint::text, actor_id::text, actor_login, source, action,
        entity_type, coalesce(entity_id, ''), outcome, changes_json::text,
        coalesce(correlation_id, ''), coalesce(client_address, '')), 'UTF8'))
$$;
