using System.Globalization;

namespace EtlStudio.Web.Grpc.Protocol;

/// <summary>Parses grpc-timeout: at most 8 digits and a unit (H, M, S, m, u, n).</summary>
public static class GrpcDeadline
{
    public static bool TryParse(string? value, out TimeSpan timeout)
    {
        timeout = default;
        if (string.IsNullOrEmpty(value) || value.Length < 2 || value.Length > 9) return false;
        if (!long.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount)) return false;
        var ticks = value[^1] switch
        {
            'H' => amount * TimeSpan.TicksPerHour,
            'M' => amount * TimeSpan.TicksPerMinute,
            'S' => amount * TimeSpan.TicksPerSecond,
            'm' => amount * TimeSpan.TicksPerMillisecond,
            'u' => amount * 10,
            'n' => amount / 100,
            _ => -1,
        };
        if (ticks < 0) return false;
        timeout = TimeSpan.FromTicks(ticks);
        return true;
    }
}
