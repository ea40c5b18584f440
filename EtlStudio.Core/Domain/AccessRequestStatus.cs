namespace EtlStudio.Core.Domain;

public enum AccessRequestStatus
{
    Pending,
    Approved,
    Denied,
    Expired,
}
