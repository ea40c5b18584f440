using EtlStudio.Core.Common;
using MudBlazor;

namespace EtlStudio.Web.Components.Shared;

/// <summary>
/// Runs a page action and tells the user how it went: success, the domain's own message, or a
/// generic apology (the exception is logged, never shown).
/// </summary>
public sealed partial class UiFeedback(ISnackbar snackbar, ILogger<UiFeedback> logger)
{
    public async Task<bool> RunAsync(Func<Task> action, string? success = null)
    {
        try
        {
            await action();
            if (success is not null) Notify(Severity.Success, success, null);
            return true;
        }
        catch (ValidationException ex)
        {
            Notify(Severity.Warning, "Please correct the input", string.Join("\n", ex.Problems.Select(p => p.Message)));
        }
        catch (DomainException ex)
        {
            Notify(ex.Kind == ErrorKind.PermissionDenied ? Severity.Error : Severity.Warning, Title(ex.Kind), ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(ex);
            Notify(Severity.Error, "Something went wrong", "Nothing was saved. Try again; if it keeps happening, tell your administrator.");
        }
        return false;
    }

    private void Notify(Severity severity, string summary, string? detail) =>
        snackbar.Add(Message(summary, detail), severity, o =>
        {
            // Successes confirm and get out of the way; problems stay until read.
            o.VisibleStateDuration = severity == Severity.Success ? 2500 : 8000;
            o.ShowCloseIcon = true;
        });

    // Summary in bold over the detail's lines; text only (Blazor encodes it), so a message can never carry markup.
    private static Microsoft.AspNetCore.Components.RenderFragment Message(string summary, string? detail) => builder =>
    {
        builder.OpenElement(0, "strong");
        builder.AddContent(1, summary);
        builder.CloseElement();
        if (string.IsNullOrEmpty(detail)) return;
        builder.OpenElement(2, "div");
        builder.AddAttribute(3, "class", "etl-pre-line");
        builder.AddContent(4, detail);
        builder.CloseElement();
    };

    private static string Title(ErrorKind kind) => kind switch
    {
        ErrorKind.PermissionDenied => "Not allowed",
        ErrorKind.NotFound => "Not found",
        ErrorKind.AlreadyExists => "Already there",
        ErrorKind.FailedPrecondition => "Not possible right now",
        _ => "Could not do that",
    };

    [LoggerMessage(EventId = 2101, Level = LogLevel.Error, Message = "A page action failed")]
    private partial void LogFailed(Exception ex);
}
