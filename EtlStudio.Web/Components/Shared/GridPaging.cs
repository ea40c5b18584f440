using EtlStudio.Core.Common;
using MudBlazor;

namespace EtlStudio.Web.Components.Shared;

/// <summary>Translates between MudBlazor's server-side grid state (0-based pages) and Core's paging (1-based).</summary>
public static class GridPaging
{
    public static PageRequest ToPageRequest<T>(this GridState<T> state) => new(state.Page + 1, state.PageSize);

    public static GridData<T> ToGridData<T>(this Paged<T> page) => new() { Items = page.Items, TotalItems = (int)Math.Min(page.Total, int.MaxValue) };

    public static GridData<T> Empty<T>() => new() { Items = [], TotalItems = 0 };
}
