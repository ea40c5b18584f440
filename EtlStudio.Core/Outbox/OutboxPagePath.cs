namespace EtlStudio.Core.Outbox;

/// <summary>How a page without a cursor is read; tests force each path to compare them, callers use <see cref="Auto"/>.</summary>
internal enum OutboxPagePath
{
    /// <summary>A page map for a filtered page of a large table, OFFSET otherwise.</summary>
    Auto,
    Offset,
    PageMap,
}
