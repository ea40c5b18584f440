using EtlStudio.Core.Scripts;
using NpgsqlTypes;

namespace EtlStudio.Core.Pipeline;

/// <summary>Building blocks for SQL made from metadata: identifiers are always quoted, values always parameters.</summary>
public static class Sql
{
    /// <summary>
    /// The storage options of every table a run works with: autovacuum leaves them alone while the run writes and
    /// rewrites them (it would vacuum each freshly filled table, competing for the machine, and hold up the next
    /// statement that alters one for a second before it gives way); the engine analyzes what it queries. The outbox
    /// step gives the published tables autovacuum back (<see cref="AutovacuumOn"/>) for the edits of review.
    /// </summary>
    public const string Working = "WITH (autovacuum_enabled = false)";

    /// <summary>Gives a table autovacuum back.</summary>
    public static string AutovacuumOn(string table) => $"ALTER TABLE {table} RESET (autovacuum_enabled)";

    /// <summary>A quoted identifier (<c>"name"</c>), safe for any name the validators let through.</summary>
    public static string Ident(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    /// <summary>A schema-qualified, quoted table name.</summary>
    public static string Table(string schema, string table) => Ident(schema) + "." + Ident(table);

    /// <summary>The PostgreSQL type that holds a column of <paramref name="type"/>.</summary>
    public static string TypeOf(FieldType type) => type switch
    {
        FieldType.Integer => "bigint",
        FieldType.Double => "double precision",
        FieldType.String => "text",
        FieldType.Boolean => "boolean",
        FieldType.Date => "date",
        FieldType.DateTime => "timestamptz",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown field type."),
    };

    /// <summary>The Npgsql type that reads and writes a column of <paramref name="type"/> (parameters, binary COPY).</summary>
    public static NpgsqlDbType DbTypeOf(FieldType type) => type switch
    {
        FieldType.Integer => NpgsqlDbType.Bigint,
        FieldType.Double => NpgsqlDbType.Double,
        FieldType.Boolean => NpgsqlDbType.Boolean,
        FieldType.Date => NpgsqlDbType.Date,
        FieldType.DateTime => NpgsqlDbType.TimestampTz,
        _ => NpgsqlDbType.Text,
    };
}
