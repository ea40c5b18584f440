using System.Text.Json;
using System.Text.Json.Nodes;

namespace EtlStudio.Core.Privacy;

/// <summary>
/// The privacy gate's decision in a version's JSON-LD metadata, as <c>etl:</c> terms: the policy's thresholds, the verdict,
/// every threshold checked with its value and limit, the administrator's exception with its reason, and the report (with
/// its utility measures) computed on the outbox as it was uploaded.
/// </summary>
internal static class PrivacyTerms
{
    public static void Add(JsonObject doc, string? gateJson)
    {
        if (PrivacyGateRecord.Read(gateJson) is not { } gate) return;
        // A JSON literal: the report's keys are EtlStudio's own structure, not vocabulary terms.
        if (doc["@context"] is JsonObject context) context["outboxPrivacyReport"] = new JsonObject { ["@id"] = "etl:outboxPrivacyReport", ["@type"] = "@json" };
        if (gate.Policy is { } p)
            doc["etl:privacyPolicy"] = new JsonObject
            {
                ["etl:minK"] = p.MinK, ["etl:minL"] = p.MinL, ["etl:maxHighestRisk"] = p.MaxHighestRisk,
                ["etl:maxAverageRisk"] = p.MaxAverageRisk, ["etl:maxRemovedShare"] = p.MaxRemovedShare,
            };
        doc["etl:privacyVerdict"] = gate.Policy is null ? "no policy" : gate.Passed ? "passed" : "failed";
        doc["etl:privacyCheck"] = new JsonArray(gate.Checks.Select(c => (JsonNode)new JsonObject
        {
            ["etl:table"] = c.Table, ["etl:column"] = c.Column, ["etl:threshold"] = c.Threshold, ["etl:value"] = c.Value,
            ["etl:limit"] = c.Limit, ["etl:passed"] = c.Passed, ["description"] = c.Describe(),
        }).ToArray());
        if (gate.Exception is { } e)
            doc["etl:privacyException"] = new JsonObject
            {
                ["etl:reason"] = e.Reason, ["etl:grantedBy"] = e.ByLogin, ["etl:grantedAt"] = e.At.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            };
        doc["outboxPrivacyReport"] = JsonNode.Parse(JsonSerializer.Serialize(gate.Report, PrivacyGateRecord.Json));
    }
}
