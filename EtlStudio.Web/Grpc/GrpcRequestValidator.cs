using System.Globalization;
using EtlStudio.Core.Common;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace EtlStudio.Web.Grpc;

/// <summary>
/// Checks a request message against what no Core use case can take, from its descriptor, for every
/// method alike: strings with NUL characters, ids that are no UUID, pages out of range,
/// enum values this build does not know, Timestamps outside 0001–9999. Every problem names its field.
/// </summary>
internal static class GrpcRequestValidator
{
    /// <summary>Pages whose offset still fits an int at the largest page size.</summary>
    public const int MaxPage = int.MaxValue / PageRequest.MaxPageSize;

    // Timestamp's own valid range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.
    private const long MinSeconds = -62_135_596_800;
    private const long MaxSeconds = 253_402_300_799;

    // String fields named like ids that are free text, not UUIDs.
    private static readonly HashSet<string> NotUuid = new(StringComparer.Ordinal)
    {
        "etl.script.manager.V1.Field.ext_datamodule_id",       // a column's data module, as the seed contract names it
        "etl.audit.logger.V1.ListAuditLogsRequest.entity_id",  // a filter on any entity's id, numbers included
    };

    public static IReadOnlyList<ValidationProblem> Validate(IMessage message)
    {
        var problems = new List<ValidationProblem>();
        Walk(message, "", problems);
        return problems;
    }

    private static void Walk(IMessage message, string prefix, List<ValidationProblem> problems)
    {
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            var path = prefix + field.Name;
            var value = field.Accessor.GetValue(message);
            if (field.IsMap)
            {
                var valueField = field.MessageType.FindFieldByNumber(2);
                foreach (System.Collections.DictionaryEntry entry in (System.Collections.IDictionary)value)
                {
                    var key = entry.Key.ToString() ?? "";
                    var at = $"{path}[{key}]";
                    if (entry.Key is string k) CheckText(k, at, problems);
                    Check(valueField, entry.Value, at, problems);
                }
            }
            else if (field.IsRepeated)
            {
                var i = 0;
                foreach (var item in (System.Collections.IEnumerable)value) Check(field, item, $"{path}[{i++}]", problems);
            }
            else if (field.FieldType != FieldType.Message || field.Accessor.HasValue(message))
            {
                Check(field, value, path, problems);
            }
        }
    }

    private static void Check(FieldDescriptor field, object? value, string path, List<ValidationProblem> problems)
    {
        switch (value)
        {
            case null:
                return;
            case string text:
                if (CheckText(text, path, problems) && text.Length > 0 && IsId(field) && !Guid.TryParse(text, out _))
                    problems.Add(new(path, $"'{(text.Length <= 64 ? text : text[..64] + "…")}' is not a valid id (UUID)."));
                return;
            case Timestamp t:
                if (t.Seconds is < MinSeconds or > MaxSeconds || t.Nanos is < 0 or > 999_999_999)
                    problems.Add(new(path, "is outside the range of a Timestamp (years 1 to 9999)."));
                return;
            case IMessage nested:
                Walk(nested, path + ".", problems);
                return;
        }
        if (field.FieldType == FieldType.Enum)
        {
            var number = Convert.ToInt32(value, CultureInfo.InvariantCulture);
            if (field.EnumType.FindValueByNumber(number) is null) problems.Add(new(path, $"has no value {number}."));
        }
        else if (field.Name is "page" or "page_size" && value is int n)
        {
            var max = field.Name == "page" ? MaxPage : PageRequest.MaxPageSize;
            if (n < 0 || n > max) problems.Add(new(path, $"must be between 0 (the default) and {max}."));
        }
    }

    /// <summary>False when the text cannot be stored: PostgreSQL refuses NUL. (Invalid UTF-8 never parses: see <see cref="InvalidUtf8Finder"/>.)</summary>
    private static bool CheckText(string text, string path, List<ValidationProblem> problems)
    {
        if (!text.Contains('\0')) return true;
        problems.Add(new(path, "must not contain NUL characters."));
        return false;
    }

    private static bool IsId(FieldDescriptor field) =>
        (field.Name == "id" || field.Name.EndsWith("_id", StringComparison.Ordinal) || field.Name.EndsWith("_ids", StringComparison.Ordinal))
        && !NotUuid.Contains(field.FullName);
}
