namespace EtlStudio.Core.Domain;

public enum AuditOutcome
{
    Success,
    Denied,
}
