using MudBlazor;

namespace EtlStudio.Web.Components.Layout;

/// <summary>The studio's one theme, light and dark; colours chosen to keep text at AA contrast on both.</summary>
public static class StudioTheme
{
    private const string DarkOnLight = "#111111";

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
            // MudBlazor's secondary text (54 % black) reads at 4.6:1 on white but under 4.5:1 on a hovered or striped
            // table row; this grey keeps AA there too.
            TextSecondary = "#616161",
        },
        // The dark palette's colours are light enough to read as text on its surfaces, so text on them is dark.
        // MudBlazor's default error, info and secondary text stay under AA on the dark surfaces; these are lighter.
        PaletteDark = new PaletteDark
        {
            Primary = "#9fa8ff",
            AppbarBackground = "#1e2139",
            Secondary = "#4db6ac",
            Error = "#ff8a8a",
            Info = "#6cb4ff",
            TextSecondary = "#b4b5ba",
            PrimaryContrastText = DarkOnLight,
            SecondaryContrastText = DarkOnLight,
            TertiaryContrastText = DarkOnLight,
            InfoContrastText = DarkOnLight,
            SuccessContrastText = DarkOnLight,
            WarningContrastText = DarkOnLight,
            ErrorContrastText = DarkOnLight,
        },
    };
}
