namespace EtlStudio.Core.Audit;

/// <summary>
/// The outcome of checking the audit chain: how many entries were read, the first broken one, and the first entry the
/// chain key seals (those before it predate keying, migration 0010, and are sealed by the plain digest).
/// </summary>
public sealed record AuditVerification(long EntriesChecked, long? FirstBrokenId, string? Problem, long KeyedFrom = 1)
{
    public bool IsIntact => FirstBrokenId is null;
}
