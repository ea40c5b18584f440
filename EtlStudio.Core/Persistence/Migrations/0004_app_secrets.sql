-- Application-wide secrets (for example the Development token signing key), encrypted with Data Protection.
CREATE TABLE app.app_secrets (
    name       text PRIMARY KEY,
    cipher     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
