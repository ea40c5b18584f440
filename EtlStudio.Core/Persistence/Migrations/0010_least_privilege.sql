-- Least privilege (issue 29). The owner role (the one running migrations) keeps the schemas, their triggers and
-- functions; the runtime role the nodes log in as receives only what DatabaseMigrator.GrantRuntimeAsync grants.

-- The audit chain is keyed from here on: entries up to the last one written before this migration stay sealed with
-- the plain SHA-256 of audit_entry_digest; every later entry carries an HMAC under Audit:ChainKey, a key the database
-- never sees. The runtime role may only seal the start of the keyed chain (once, see AuditChainKey), never move it.
CREATE TABLE app.audit_keying (
    single     boolean PRIMARY KEY DEFAULT true CHECK (single),
    keyed_from bigint NOT NULL,
    seal       bytea
);
INSERT INTO app.audit_keying (keyed_from) SELECT coalesce(max(id), 0) + 1 FROM app.audit_entries;

-- Per-run sandbox roles are made and dropped by functions that run as etlstudio_sandboxer, a NOLOGIN role holding
-- CREATEROLE, so the runtime role never holds CREATEROLE itself (in PostgreSQL 15 that would let it grant itself
-- membership in the owner). They make only roles of the sandbox's fixed shape, named etl_sbx_ and 32 hex digits, and
-- touch an existing one only if the caller is already a member (its own run's role from a crashed attempt).
-- scripts/setup-env.sh creates etlstudio_sandboxer as the superuser (with SET on temp_file_limit); an owner holding
-- CREATEROLE makes it here if it is missing.
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'etlstudio_sandboxer') THEN
        CREATE ROLE etlstudio_sandboxer NOLOGIN CREATEROLE;
    END IF;
    IF NOT pg_has_role('etlstudio_sandboxer', 'MEMBER') THEN
        EXECUTE format('GRANT etlstudio_sandboxer TO %I', current_user);
    END IF;
END $$;

CREATE SCHEMA sandbox_roles;
REVOKE ALL ON SCHEMA sandbox_roles FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA sandbox_roles TO etlstudio_sandboxer;

-- Whether the role exists, refusing any name or role not of the sandbox's shape or not the caller's.
CREATE FUNCTION sandbox_roles.check_name(role text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    IF role !~ '^etl_sbx_[0-9a-f]{32}$' THEN
        RAISE EXCEPTION 'not a sandbox role name: %', role USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role) THEN RETURN false; END IF;
    IF NOT pg_has_role(session_user, role, 'MEMBER') THEN
        RAISE EXCEPTION 'sandbox role % belongs to someone else', role USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role AND (rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls))
       OR EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = role) THEN
        RAISE EXCEPTION 'role % is not of the sandbox''s shape', role USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN true;
END $$;

-- Makes (or, after a crashed attempt, re-keys) the run's role and makes the caller a member, so it can take over
-- what the scripts create. temp_file_limit bounds the scripts' temporary files; only a role granted SET on that
-- parameter (by the superuser, scripts/setup-env.sh) may attach it, so without that grant the role goes without.
CREATE FUNCTION sandbox_roles.make(role text, password text, valid_until timestamptz, temp_file_limit_kb bigint)
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    limited boolean := has_parameter_privilege('temp_file_limit', 'SET');
BEGIN
    IF NOT sandbox_roles.check_name(role) THEN
        EXECUTE format('CREATE ROLE %I NOLOGIN NOINHERIT CONNECTION LIMIT 2', role);
        EXECUTE format('GRANT %I TO %I', role, session_user);
    END IF;
    EXECUTE format('ALTER ROLE %I LOGIN PASSWORD %L VALID UNTIL %L', role, password, valid_until);
    IF limited THEN
        EXECUTE format('ALTER ROLE %I SET temp_file_limit = %L', role, temp_file_limit_kb || 'kB');
    END IF;
    RETURN limited;
END $$;

-- Ends the role's ability to log in (its sessions are the caller's to end: it is a member).
CREATE FUNCTION sandbox_roles.disable(role text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    IF sandbox_roles.check_name(role) THEN
        EXECUTE format('ALTER ROLE %I NOLOGIN', role);
    END IF;
END $$;

-- Drops the role; the caller first drops what it owns in each database (DROP OWNED BY, as a member).
CREATE FUNCTION sandbox_roles.drop(role text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    IF sandbox_roles.check_name(role) THEN
        EXECUTE format('DROP ROLE %I', role);
    END IF;
END $$;

ALTER FUNCTION sandbox_roles.check_name(text) OWNER TO etlstudio_sandboxer;
ALTER FUNCTION sandbox_roles.make(text, text, timestamptz, bigint) OWNER TO etlstudio_sandboxer;
ALTER FUNCTION sandbox_roles.disable(text) OWNER TO etlstudio_sandboxer;
ALTER FUNCTION sandbox_roles.drop(text) OWNER TO etlstudio_sandboxer;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA sandbox_roles FROM PUBLIC;

-- The canonical text of an entry, as audit_entry_digest hashes it; keyed entries are sealed outside the database with
-- HMAC-SHA256(Audit:ChainKey, prev_hash || this text), so the chain cannot be recomputed from what the database holds.
CREATE FUNCTION app.audit_entry_text(
    at timestamptz, actor_id uuid, actor_login text, source text, action text, entity_type text, entity_id text,
    outcome text, changes_json jsonb, correlation_id text, client_address text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT concat_ws(E'\x1f',
        (extract(epoch FROM at) * 1000000)::bigint::text, actor_id::text, actor_login, source, action,
        entity_type, coalesce(entity_id, ''), outcome, changes_json::text,
        coalesce(correlation_id, ''), coalesce(client_address, ''))
$$;
