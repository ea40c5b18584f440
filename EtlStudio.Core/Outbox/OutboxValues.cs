using System.Globalization;
using EtlStudio.Core.Scripts;
using Npgsql;
using NpgsqlTypes;

namespace EtlStudio.Core.Outbox;

/// <summary>
/// Text ⇄ typed values of outbox columns, always invariant: what the grid, gRPC and filters send is text, what the
/// staging tables hold is typed. A value that does not convert gets a message naming the column and the type.
/// </summary>
public static class OutboxValues
{
    /// <summary>Parses <paramref name="text"/> (null or blank = null) or returns false with a message for the user.</summary>
    public static bool TryParse(string column, FieldType type, string? text, out object? value, out string? error)
    {
        value = null;
        error = null;
        if (text is null || (type != FieldType.String && string.IsNullOrWhiteSpace(text))) return true;
        var t = text.Trim();
        var inv = CultureInfo.InvariantCulture;
        switch (type)
        {
            case FieldType.String: value = text; return true;
            case FieldType.Integer when long.TryParse(t, NumberStyles.Integer, inv, out var l): value = l; return true;
            case FieldType.Double when double.TryParse(t, NumberStyles.Float, inv, out var d) && double.IsFinite(d): value = d; return true;
            case FieldType.Boolean when TryBool(t, out var b): value = b; return true;
            case FieldType.Date when DateOnly.TryParseExact(t, "yyyy-MM-dd", inv, DateTimeStyles.None, out var date): value = date; return true;
            case FieldType.DateTime when DateTimeOffset.TryParse(t, inv, DateTimeStyles.AssumeUniversal, out var dt): value = dt.ToUniversalTime(); return true;
        }
        error = $"Column '{column}' expects {Describe(type)}; '{Shorten(text)}' is not one.";
        return false;
    }

    /// <summary>The invariant text of a typed value (what <see cref="TryParse"/> reads back).</summary>
    public static string? Format(object? value) => value switch
    {
        null => null,
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTimeOffset o => o.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
        DateTime dt => new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>Compares two non-null values of one type (for range rules).</summary>
    public static int Compare(object a, object b) => ((IComparable)a).CompareTo(b);

    public static NpgsqlDbType DbType(FieldType type) => Pipeline.Sql.DbTypeOf(type);

    public static NpgsqlParameter Parameter(string name, FieldType type, object? value) =>
        new(name, DbType(type)) { Value = value ?? DBNull.Value };

    /// <summary>Reads column <paramref name="ordinal"/> as the CLR type <see cref="TryParse"/> produces.</summary>
    public static object? Read(NpgsqlDataReader reader, int ordinal, FieldType type)
    {
        if (reader.IsDBNull(ordinal)) return null;
        return type switch
        {
            FieldType.Integer => reader.GetInt64(ordinal),
            FieldType.Double => reader.GetDouble(ordinal),
            FieldType.Boolean => reader.GetBoolean(ordinal),
            FieldType.Date => reader.GetFieldValue<DateOnly>(ordinal),
            FieldType.DateTime => new DateTimeOffset(reader.GetFieldValue<DateTime>(ordinal), TimeSpan.Zero),
            _ => reader.GetString(ordinal),
        };
    }

    public static string Describe(FieldType type) => type switch
    {
        FieldType.Integer => "an integer",
        FieldType.Double => "a number",
        FieldType.Boolean => "true or false",
        FieldType.Date => "a date (yyyy-MM-dd)",
        FieldType.DateTime => "a date and time (ISO 8601)",
        _ => "text",
    };

    private static bool TryBool(string t, out bool b)
    {
        if (bool.TryParse(t, out b)) return true;
        if (t == "1") { b = true; return true; }
        if (t == "0") { b = false; return true; }
        return false;
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
