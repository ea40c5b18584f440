namespace EtlStudio.Core.Common;

/// <summary>A page of a long list, 1-based; sizes are clamped so no caller can ask for everything at once.</summary>
public sealed record PageRequest(int Page = 1, int PageSize = 25)
{
    public const int MaxPageSize = 500;

    public int SafePage => Math.Max(1, Page);
    public int SafeSize => Math.Clamp(PageSize, 1, MaxPageSize);
    public int Skip => (SafePage - 1) * SafeSize;
}
