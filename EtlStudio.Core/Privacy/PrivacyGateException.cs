using EtlStudio.Core.Common;

namespace EtlStudio.Core.Privacy;

/// <summary>An upload refused because the outbox fails its privacy policy; the message names every failing threshold, its value and its limit.</summary>
public sealed class PrivacyGateException(IReadOnlyList<PolicyCheck> failures)
    : DomainException(ErrorKind.FailedPrecondition,
        "The outbox fails its privacy policy: " + string.Join("; ", failures.Select(f => f.Describe()))
        + ". Fix the outbox or the task, or an administrator may publish it anyway with a written reason.")
{
    public IReadOnlyList<PolicyCheck> Failures { get; } = failures;
}
