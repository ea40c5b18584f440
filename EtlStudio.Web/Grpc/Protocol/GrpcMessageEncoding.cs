using System.Text;

namespace EtlStudio.Web.Grpc.Protocol;

/// <summary>grpc-message is percent-encoded UTF-8: bytes outside 0x20–0x7E, and '%' itself.</summary>
public static class GrpcMessageEncoding
{
    public static string Encode(string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        var sb = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%') sb.Append((char)b);
            else sb.Append('%').Append(b.ToString("X2"));
        }
        return sb.ToString();
    }
}
