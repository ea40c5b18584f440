using MudBlazor;

namespace EtlStudio.Web.Components.Layout;

/// <summary>The studio's one theme, light and dark; colours chosen to keep text at AA contrast on both.</summary>
public static class StudioTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3949ab",
            AppbarBackground = "#283593",
            Secondary = "#00796b",
            Success = "#2e7d32",
            Warning = "#a65c00",
            Error = "#c62828",
            Info = "#0b6fb8",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#9fa8ff",
            AppbarBackground = "#1e2139",
            Secondary = "#4db6ac",
        },
    };
}
