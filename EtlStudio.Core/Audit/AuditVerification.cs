namespace EtlStudio.Core.Audit;

/// <summary>The outcome of checking the audit chain: how many entries were read and the first broken one.</summary>
public sealed record AuditVerification(long EntriesChecked, long? FirstBrokenId, string? Problem)
{
    public bool IsIntact => FirstBrokenId is null;
}
