namespace EtlStudio.Core.Domain;

public enum EtlTaskStatus
{
    Draft,
    Released,
}
