using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.JSInterop;

namespace EtlStudio.Web.Components.Layout;

public partial class MainLayout
{
    [CascadingParameter] private Task<AuthenticationState>? AuthState { get; set; }

    private bool _drawerOpen = true;
    private bool _dark;
    private string? _themeKey;
    private ErrorBoundary? _errorBoundary;

    // The theme is remembered per user in this browser's local storage (keyed by login), so two people sharing a
    // browser each keep their own choice. Read after the first render: the circuit has no JS before that.
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender || AuthState is null) return;
        var login = (await AuthState).User.Identity?.Name;
        if (string.IsNullOrEmpty(login)) return;
        _themeKey = $"etlstudio.theme.{login}";
        try
        {
            _dark = await JS.InvokeAsync<string?>("localStorage.getItem", _themeKey) == "dark";
            if (_dark) StateHasChanged();
        }
        catch (JSException)
        {
            // Storage disabled: the light theme, not remembered.
        }
    }

    private async Task ToggleThemeAsync()
    {
        _dark = !_dark;
        if (_themeKey is null) return;
        try { await JS.InvokeVoidAsync("localStorage.setItem", _themeKey, _dark ? "dark" : "light"); }
        catch (JSException) { } // not remembered; the choice still holds for this visit
    }
}
