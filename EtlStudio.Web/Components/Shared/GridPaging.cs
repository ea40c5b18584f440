using EtlStudio.Core.Common;
using MudBlazor;

namespace EtlStudio.Web.Components.Shared;

/// <summary>Translates between MudBlazor's server-side grid state (0-based pages) and Core's paging (1-based).</summary>
public static class GridPaging
{
    public static PageRequest ToPageRequest<T>(this GridState<T> state) => new(state.Page + 1, state.PageSize);

    public static GridData<T> ToGridData<T>(this Paged<T> page) => new() { Items = page.Items, TotalItems = (int)Math.Min(page.Total, int.MaxValue) };

    public static GridData<T> Empty<T>() => new() { Items = [], TotalItems = 0 };

    /// <summary>
    /// Asks for the first page again, for a changed filter: the grid's own reload keeps the page it is on, which for a
    /// narrower filter may be empty or past the end.
    /// </summary>
    public static async Task ReloadFromFirstPageAsync<T>(this MudDataGrid<T> grid)
    {
        if (grid.CurrentPage != 0) grid.NavigateTo(Page.First);
        await grid.ReloadServerData();
    }
}
