using MudBlazor;

namespace EtlStudio.Web.Components.Shared;

/// <summary>
/// The studio's one way to open dialogs: a component dialog that answers with a value (or null when cancelled), a side
/// panel, and a yes/no confirmation before destructive actions. Keeps MudBlazor's options in one place.
/// </summary>
public sealed class StudioDialogs(IDialogService dialogs)
{
    /// <summary>Shows <typeparamref name="TDialog"/> and returns what it closed with; null when cancelled or closed without a value.</summary>
    public async Task<object?> OpenAsync<TDialog>(string title, IReadOnlyDictionary<string, object?>? parameters = null, MaxWidth width = MaxWidth.Small)
        where TDialog : Microsoft.AspNetCore.Components.IComponent
    {
        var reference = await dialogs.ShowAsync<TDialog>(title, ToParameters(parameters),
            new DialogOptions { MaxWidth = width, FullWidth = true, CloseButton = true, CloseOnEscapeKey = true });
        var result = await reference.Result;
        return result is null || result.Canceled ? null : result.Data;
    }

    /// <summary>A panel at the window's right edge (notifications); Escape or a click beside it closes it.</summary>
    public async Task OpenSideAsync<TDialog>(string title) where TDialog : Microsoft.AspNetCore.Components.IComponent
    {
        var reference = await dialogs.ShowAsync<TDialog>(title, new DialogOptions
        {
            Position = DialogPosition.TopRight, MaxWidth = MaxWidth.ExtraSmall, FullWidth = true, CloseButton = true, CloseOnEscapeKey = true, BackdropClick = true,
        });
        await reference.Result;
    }

    /// <summary>Asks before an action that cannot be undone lightly; true only when <paramref name="yes"/> was chosen.</summary>
    public async Task<bool> ConfirmAsync(string message, string title, string yes, string no = "Cancel") =>
        await dialogs.ShowMessageBoxAsync(title, message, yesText: yes, cancelText: no) == true;

    private static DialogParameters ToParameters(IReadOnlyDictionary<string, object?>? parameters)
    {
        var result = new DialogParameters();
        foreach (var (name, value) in parameters ?? new Dictionary<string, object?>()) result.Add(name, value);
        return result;
    }
}
