namespace EtlStudio.Core.Common;

/// <summary>Which door a change came through; recorded in the audit trail.</summary>
public enum ActorSource
{
    Ui,
    Grpc,
    Job,
}
