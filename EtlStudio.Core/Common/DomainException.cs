namespace EtlStudio.Core.Common;

/// <summary>
/// A failure the user can act on. Its message is safe to show: it never carries secrets or
/// raw exception text from infrastructure.
/// </summary>
public class DomainException(ErrorKind kind, string message) : Exception(message)
{
    public ErrorKind Kind { get; } = kind;

    public static DomainException NotFound(string what, object id) => new(ErrorKind.NotFound, $"{what} '{id}' was not found.");
    public static DomainException AlreadyExists(string message) => new(ErrorKind.AlreadyExists, message);
    public static DomainException Precondition(string message) => new(ErrorKind.FailedPrecondition, message);
    public static DomainException Denied(string message) => new(ErrorKind.PermissionDenied, message);
    public static DomainException Unauthenticated(string message = "Sign-in required.") => new(ErrorKind.Unauthenticated, message);
}
