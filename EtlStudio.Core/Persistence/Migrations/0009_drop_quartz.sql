-- Jobs now run on Hangfire, whose PostgreSQL storage installs and upgrades its own schema (hangfire) at start.
-- The Quartz store and our own execution history of its firings have no reader left.
DROP SCHEMA IF EXISTS quartz CASCADE;
DROP TABLE IF EXISTS app.job_executions;
