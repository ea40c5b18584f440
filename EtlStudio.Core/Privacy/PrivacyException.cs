namespace EtlStudio.Core.Privacy;

/// <summary>An administrator's decision to publish an outbox that fails its privacy policy, with the written reason.</summary>
public sealed record PrivacyException(string Reason, Guid ByUserId, string ByLogin, DateTimeOffset At);
