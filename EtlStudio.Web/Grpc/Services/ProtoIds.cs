using EtlStudio.Core.Common;

namespace EtlStudio.Web.Grpc.Services;

/// <summary>Parses ids sent as strings, naming the field when one is malformed.</summary>
internal static class ProtoIds
{
    public static Guid Parse(string value, string field) =>
        Guid.TryParse(value, out var id) ? id : throw new ValidationException(field, $"'{value}' is not a valid id (UUID).");

    public static Guid? ParseOptional(string value, string field) => string.IsNullOrEmpty(value) ? null : Parse(value, field);

    public static PageRequest Page(int page, int pageSize) => new(page <= 0 ? 1 : page, pageSize <= 0 ? 25 : pageSize);

    /// <summary>An enum value from the wire that this build knows, or INVALID_ARGUMENT naming the field.</summary>
    public static T Defined<T>(T value, string field) where T : struct, Enum =>
        Enum.IsDefined(value) ? value : throw new ValidationException(field, $"Unknown value {Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)}.");
}
