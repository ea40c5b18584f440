using EtlStudio.Core.Pipeline.Anonymization;

namespace EtlStudio.Core.Privacy;

/// <summary>
/// An outbox's privacy as it stands: the report computed again on it (or the run's own where it could not be), the
/// policy's verdict on it, and — once an upload was asked for — what the gate decided then.
/// </summary>
public sealed record OutboxPrivacy(Guid RunId, PrivacyReport Report, PrivacyVerdict Verdict, PrivacyGateRecord? Gate, DateTimeOffset ComputedAt);
