using System.Globalization;
using System.Text.Json;
using EtlStudio.Core.Scripts;

namespace EtlStudio.Core.Pipeline.Extraction;

/// <summary>
/// Converts a source value (a PostgreSQL value or a JSON element) to its column's type, invariantly. Empty (null or
/// <c>""</c>) becomes null, except that a String column keeps <c>""</c> as it is. A value that does not convert yields
/// an error text; the record is then rejected by the field-rule step with that reason.
/// </summary>
public static class ValueConverter
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static bool TryConvert(object? raw, FieldType type, out object? value, out string? error)
    {
        error = null;
        value = null;
        if (raw is JsonElement json) raw = FromJson(json);
        if (raw is null or DBNull) return true;
        if (raw is string s)
        {
            if (type == FieldType.String) { value = s; return true; }
            if (s.Length == 0 || string.IsNullOrWhiteSpace(s)) return true;
            return FromText(s.Trim(), type, out value, out error);
        }
        switch (type)
        {
            case FieldType.String:
                value = raw switch
                {
                    bool b => b ? "true" : "false",
                    DateTime dt => dt.ToString("O", Inv),
                    DateTimeOffset dto => dto.ToString("O", Inv),
                    DateOnly d => d.ToString("yyyy-MM-dd", Inv),
                    IFormattable f => f.ToString(null, Inv),
                    _ => raw.ToString(),
                };
                return true;
            case FieldType.Integer:
                switch (raw)
                {
                    case long or int or short or byte or sbyte or ushort or uint: value = Convert.ToInt64(raw, Inv); return true;
                    case ulong u when u <= long.MaxValue: value = (long)u; return true;
                    case decimal m when decimal.Truncate(m) == m && m >= long.MinValue && m <= long.MaxValue: value = (long)m; return true;
                    case double d when Math.Floor(d) == d && d >= long.MinValue && d < 9.2233720368547758E18: value = (long)d; return true;
                    case float f when Math.Floor(f) == f && f >= long.MinValue && f < 9.2233720368547758E18: value = (long)f; return true;
                }
                break;
            case FieldType.Double:
                switch (raw)
                {
                    case double d when double.IsFinite(d): value = d; return true;
                    case float f when float.IsFinite(f): value = (double)f; return true;
                    case decimal m: value = (double)m; return true;
                    case long or int or short or byte or sbyte or ushort or uint or ulong: value = Convert.ToDouble(raw, Inv); return true;
                }
                break;
            case FieldType.Boolean:
                switch (raw)
                {
                    case bool b: value = b; return true;
                    case long or int or short or byte when Convert.ToInt64(raw, Inv) is 0 or 1: value = Convert.ToInt64(raw, Inv) == 1; return true;
                }
                break;
            case FieldType.Date:
                switch (raw)
                {
                    case DateOnly d: value = d; return true;
                    case DateTime dt: value = DateOnly.FromDateTime(dt); return true;
                    case DateTimeOffset dto: value = DateOnly.FromDateTime(dto.UtcDateTime); return true;
                }
                break;
            case FieldType.DateTime:
                switch (raw)
                {
                    case DateTime dt: value = dt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(dt, DateTimeKind.Utc) : dt.ToUniversalTime(); return true;
                    case DateTimeOffset dto: value = dto.UtcDateTime; return true;
                    case DateOnly d: value = d.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc); return true;
                }
                break;
        }
        error = $"{Describe(raw)} is not {Article(type)}";
        return false;
    }

    private static bool FromText(string s, FieldType type, out object? value, out string? error)
    {
        error = null;
        value = null;
        switch (type)
        {
            case FieldType.Integer when long.TryParse(s, NumberStyles.Integer, Inv, out var l): value = l; return true;
            case FieldType.Integer when double.TryParse(s, NumberStyles.Float, Inv, out var whole) && Math.Floor(whole) == whole && Math.Abs(whole) < 9e18: value = (long)whole; return true;
            case FieldType.Double when double.TryParse(s, NumberStyles.Float, Inv, out var d) && double.IsFinite(d): value = d; return true;
            case FieldType.Boolean:
                switch (s.ToLowerInvariant())
                {
                    case "true" or "t" or "yes" or "y" or "1": value = true; return true;
                    case "false" or "f" or "no" or "n" or "0": value = false; return true;
                }
                break;
            case FieldType.Date when DateOnly.TryParseExact(s, "yyyy-MM-dd", Inv, DateTimeStyles.None, out var date): value = date; return true;
            case FieldType.Date when DateTime.TryParse(s, Inv, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var dd): value = DateOnly.FromDateTime(dd); return true;
            case FieldType.DateTime when DateTimeOffset.TryParse(s, Inv, DateTimeStyles.AssumeUniversal, out var dto): value = dto.UtcDateTime; return true;
        }
        error = $"'{Shorten(s)}' is not {Article(type)}";
        return false;
    }

    /// <summary>A JSON element as a plain value: strings, numbers (long when whole, else double), booleans; objects and arrays as JSON text.</summary>
    private static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.String => e.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => e.TryGetInt64(out var l) ? l : e.GetDouble(),
        _ => e.GetRawText(),
    };

    private static string Describe(object raw) => raw switch
    {
        bool b => b ? "true" : "false",
        string s => $"'{Shorten(s)}'",
        IFormattable f => Shorten(f.ToString(null, Inv)),
        _ => Shorten(raw.ToString() ?? ""),
    };

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..57] + "...";

    private static string Article(FieldType type) => type switch
    {
        FieldType.Integer => "an integer",
        FieldType.Double => "a number",
        FieldType.Boolean => "a boolean",
        FieldType.Date => "a date",
        FieldType.DateTime => "a date and time",
        _ => "a string",
    };
}
