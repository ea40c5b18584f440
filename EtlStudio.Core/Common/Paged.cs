namespace EtlStudio.Core.Common;

public sealed record Paged<T>(IReadOnlyList<T> Items, long Total, int Page, int PageSize);
