using System.Text.Json;
using EtlStudio.Core.Pipeline.Anonymization;
using EtlStudio.Core.Tasks;

namespace EtlStudio.Core.Privacy;

/// <summary>
/// What the privacy gate decided when an upload was asked for: the policy, the report computed on the outbox as it
/// stood, every threshold checked, and — when it failed — the administrator's exception. Kept on the run and written
/// into the version's metadata.
/// </summary>
public sealed record PrivacyGateRecord(PrivacyPolicy? Policy, PrivacyReport Report, IReadOnlyList<PolicyCheck> Checks, bool Passed,
    PrivacyException? Exception, DateTimeOffset CheckedAt)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static PrivacyGateRecord? Read(string? json) => string.IsNullOrWhiteSpace(json) ? null : JsonSerializer.Deserialize<PrivacyGateRecord>(json, Json);
}
