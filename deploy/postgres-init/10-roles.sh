#!/bin/sh
# Run once by the postgres image on an empty data directory, as its superuser (POSTGRES_USER, who owns the database
# and runs the migrations): the runtime role the nodes log in as, and the NOLOGIN sandbox-role maker of migration 0010,
# allowed to bound the sandbox roles' temporary files.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<EOSQL
CREATE ROLE etlstudio_app LOGIN NOCREATEDB NOCREATEROLE PASSWORD '${APP_DB_PASSWORD:-etlstudio_app}';
CREATE ROLE etlstudio_sandboxer NOLOGIN CREATEROLE;
GRANT SET ON PARAMETER temp_file_limit TO etlstudio_sandboxer;
EOSQL
