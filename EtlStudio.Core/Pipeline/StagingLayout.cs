namespace EtlStudio.Core.Pipeline;

/// <summary>
/// How a run's staging schema is laid out; the engine writes it, the outbox and the upload read it.
/// <list type="bullet">
/// <item>The schema is <c>run_{run id, 32 hex}</c> (<see cref="SchemaFor"/>).</item>
/// <item>Every data table has <c>_row bigint PRIMARY KEY</c> (a stable row id) and then its typed columns
/// (<see cref="Sql.TypeOf"/>), named as in the task.</item>
/// <item><see cref="Rejects"/> keeps every dropped record with step, rule, column and reason.</item>
/// <item><see cref="Catalog"/> lists the outbox tables (the run's result) with their typed columns, once the
/// outbox step has finished; anonymization may change a column's type (generalized numbers become text) or
/// split a table in two (anatomization), so readers take types from here, never from the task.</item>
/// <item>Working tables between steps are unlogged (no WAL), but for a table published as extracted, logged from
/// the start; the outbox step makes the result logged.
/// <see cref="Alive"/> tells a resumed run whether a server crash has emptied them since.</item>
/// </list>
/// </summary>
public static class StagingLayout
{
    public const string RowId = "_row";
    public const string Rejects = "_rejects";
    public const string Catalog = "_outbox";
    /// <summary>Keys the Regenerate merge strategy replaced (references to them cannot be remapped, so they are kept on record).</summary>
    public const string KeyChanges = "_key_changes";
    /// <summary>
    /// An unlogged table holding one row while the run's unlogged working tables are intact: crash recovery empties
    /// every unlogged table of the server at once, this one included, so an empty <c>_alive</c> means earlier
    /// steps' working tables are gone and the run starts again from extraction.
    /// </summary>
    public const string Alive = "_alive";

    /// <summary>
    /// Whether a column name is one the engine gives its own columns: the working tables' <c>_row</c>, <c>_src</c>,
    /// <c>_bad_col</c> and <c>_bad_reason</c>, and the anonymizer's <c>_anon_…</c>; a task's column cannot have it.
    /// </summary>
    public static bool IsEngineColumn(string name) =>
        name is RowId or "_src" or "_bad_col" or "_bad_reason" || name.StartsWith("_anon_", StringComparison.OrdinalIgnoreCase);

    public static string SchemaFor(Guid runId) => "run_" + runId.ToString("N");

    /// <summary>Drops a run's staging schema with everything in it (discard, stop with delete, retention, previews).</summary>
    public static string DropSql(string schema) => $"DROP SCHEMA IF EXISTS {Sql.Ident(schema)} CASCADE";

    /// <summary>Creates the schema with its rejects table and catalog; safe to run again.</summary>
    public static string CreateSql(string schema) => $$"""
        CREATE SCHEMA IF NOT EXISTS {{Sql.Ident(schema)}};
        CREATE TABLE IF NOT EXISTS {{Sql.Table(schema, Rejects)}} (
            -- unique by the identity; its key comes with the index once every reject is filed (RejectsIndexSql)
            id          bigint GENERATED ALWAYS AS IDENTITY,
            step        text NOT NULL,
            table_name  text NOT NULL,
            rule        text NOT NULL,
            column_name text,
            reason      text NOT NULL,
            row_id      bigint,
            -- json, not jsonb: written in bulk (a merge may drop half a million records) and only ever read as text
            record      json NOT NULL
        ) {{Sql.Working}};
        CREATE UNLOGGED TABLE IF NOT EXISTS {{Sql.Table(schema, Alive)}} (since timestamptz NOT NULL);
        CREATE TABLE IF NOT EXISTS {{Sql.Table(schema, Catalog)}} (
            table_name   text PRIMARY KEY,
            ordinal      integer NOT NULL,
            -- [{"name": "age", "type": "Integer"}, …] with type a FieldType name
            columns      jsonb NOT NULL,
            primary_key  text,
            -- the task table it came from (an anatomized table gives two outbox tables)
            source_table text
        );
        """;

    /// <summary>
    /// The key (for paging by id) and the index for reading rejects by step and table, made once the steps that file in
    /// bulk are done — while the transformations run, which file none and cannot read them, and again by the outbox step
    /// for a run without transformations: building them over them all costs a fraction of keeping them up to date while
    /// a merge files its rejects in bulk (docs/benchmarks.md); the anonymization's few are kept in them. Safe to run again; a schema made before the key moved here keeps its key.
    /// </summary>
    public static string RejectsIndexSql(string schema) => $"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_index WHERE indrelid = '{Sql.Table(schema, Rejects).Replace("'", "''")}'::regclass AND indisprimary) THEN
                ALTER TABLE {Sql.Table(schema, Rejects)} ADD PRIMARY KEY (id);
            END IF;
        END $$;
        CREATE INDEX IF NOT EXISTS _rejects_step_idx ON {Sql.Table(schema, Rejects)} (step, table_name)
        """;
}
