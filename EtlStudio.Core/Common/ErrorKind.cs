namespace EtlStudio.Core.Common;

/// <summary>What kind of failure a domain error is; each door (UI, gRPC, job) translates it once.</summary>
public enum ErrorKind
{
    Validation,
    NotFound,
    AlreadyExists,
    FailedPrecondition,
    PermissionDenied,
    Unauthenticated,
}
