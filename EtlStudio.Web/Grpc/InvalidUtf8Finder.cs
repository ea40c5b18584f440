using System.Buffers;
using System.Text.Unicode;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace EtlStudio.Web.Grpc;

/// <summary>
/// Names the string field whose bytes are not UTF-8 in a payload the parser refused, by walking the wire format along
/// the message's descriptor. The parser only says that some string was invalid; a client needs to know which.
/// </summary>
internal static class InvalidUtf8Finder
{
    private const int MaxDepth = 32;

    /// <summary>The field's path (<c>tables[0].name</c>), or null when the payload fails for another reason.</summary>
    public static string? Find(MessageDescriptor message, ReadOnlySequence<byte> payload)
    {
        try
        {
            return Find(message, payload.ToArray(), "", 0);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }

    private static string? Find(MessageDescriptor message, byte[] payload, string prefix, int depth)
    {
        if (depth > MaxDepth) return null;
        var input = new CodedInputStream(payload);
        var seen = new Dictionary<int, int>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var field = message.FindFieldByNumber(WireFormat.GetTagFieldNumber(tag));
            if (field is null || WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited
                || field.FieldType is not (FieldType.String or FieldType.Message))
            {
                input.SkipLastField();
                continue;
            }
            var index = seen[field.FieldNumber] = seen.GetValueOrDefault(field.FieldNumber, -1) + 1;
            var path = field.IsRepeated ? $"{prefix}{field.Name}[{index}]" : prefix + field.Name;
            var bytes = input.ReadBytes().ToByteArray();
            if (field.FieldType == FieldType.String)
            {
                if (!Utf8.IsValid(bytes)) return path;
            }
            else if (Find(field.MessageType, bytes, path + ".", depth + 1) is { } nested)
            {
                return nested;
            }
        }
        return null;
    }
}
