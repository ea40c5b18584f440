using EtlStudio.Core.Common;

namespace EtlStudio.Web.Components.Shared;

/// <summary>
/// Runs a page action and tells the user how it went: success, the domain's own message, or a
/// generic apology (the exception is logged, never shown).
/// </summary>
public sealed partial class UiFeedback(Radzen.NotificationService notifications, ILogger<UiFeedback> logger)
{
    public async Task<bool> RunAsync(Func<Task> action, string? success = null)
    {
        try
        {
            await action();
            if (success is not null) Notify(Radzen.NotificationSeverity.Success, success, null);
            return true;
        }
        catch (ValidationException ex)
        {
            Notify(Radzen.NotificationSeverity.Warning, "Please correct the input", string.Join("\n", ex.Problems.Select(p => p.Message)));
        }
        catch (DomainException ex)
        {
            Notify(ex.Kind == ErrorKind.PermissionDenied ? Radzen.NotificationSeverity.Error : Radzen.NotificationSeverity.Warning, Title(ex.Kind), ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(ex);
            Notify(Radzen.NotificationSeverity.Error, "Something went wrong", "Nothing was saved. Try again; if it keeps happening, tell your administrator.");
        }
        return false;
    }

    private void Notify(Radzen.NotificationSeverity severity, string summary, string? detail) =>
        notifications.Notify(new Radzen.NotificationMessage { Severity = severity, Summary = summary, Detail = detail ?? "",
            // Successes confirm and get out of the way; problems stay until read.
            Duration = severity == Radzen.NotificationSeverity.Success ? 2500 : 8000 });

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
