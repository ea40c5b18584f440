namespace EtlStudio.Jobs.Monitor;

/// <summary>Quartz.NET keeps instants as UTC <see cref="DateTime.Ticks"/> and check-in intervals as milliseconds.</summary>
internal static class QuartzTime
{
    public static DateTimeOffset? FromTicks(long? ticks) => ticks is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null;
}
