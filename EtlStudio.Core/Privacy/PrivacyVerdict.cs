using EtlStudio.Core.Pipeline.Anonymization;
using EtlStudio.Core.Tasks;

namespace EtlStudio.Core.Privacy;

/// <summary>The policy checked against a privacy report: every threshold on every table it applies to.</summary>
public sealed record PrivacyVerdict(PrivacyPolicy? Policy, IReadOnlyList<PolicyCheck> Checks)
{
    public bool Passed => Checks.All(c => c.Passed);

    public IReadOnlyList<PolicyCheck> Failures => Checks.Where(c => !c.Passed).ToList();

    /// <summary>
    /// Checks <paramref name="policy"/> on <paramref name="report"/>: k and the risks on each table with quasi-identifiers,
    /// l on each sensitive column, the removed share on each table the anonymization removed records from or could have.
    /// No policy, nothing to check: the verdict passes.
    /// </summary>
    public static PrivacyVerdict Check(PrivacyPolicy? policy, PrivacyReport report)
    {
        var checks = new List<PolicyCheck>();
        if (policy is null) return new PrivacyVerdict(null, checks);
        foreach (var t in report.Tables)
        {
            var hasQi = t.QuasiIdentifiers.Count > 0;
            if (hasQi && policy.MinK is { } k) checks.Add(new PolicyCheck(t.Table, "k", null, t.KReached, k, IsMinimum: true));
            if (policy.MinL is { } l)
                foreach (var s in t.Sensitive) checks.Add(new PolicyCheck(t.Table, "l", s.Column, s.LReached, l, IsMinimum: true));
            if (hasQi && policy.MaxHighestRisk is { } highest) checks.Add(new PolicyCheck(t.Table, "highest risk", null, t.MaxRisk, highest, IsMinimum: false));
            if (hasQi && policy.MaxAverageRisk is { } average) checks.Add(new PolicyCheck(t.Table, "average risk", null, t.AverageRisk, average, IsMinimum: false));
            if (policy.MaxRemovedShare is { } share) checks.Add(new PolicyCheck(t.Table, "share removed", null, t.RemovedShare, share, IsMinimum: false));
        }
        return new PrivacyVerdict(policy, checks);
    }
}
