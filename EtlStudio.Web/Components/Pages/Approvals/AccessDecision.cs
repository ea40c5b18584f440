namespace EtlStudio.Web.Components.Pages.Approvals;

/// <summary>What an owner decided in <see cref="DecisionDialog"/>: approve or deny, the comment, and when an approved access ends.</summary>
public sealed record AccessDecision(bool Approve, string? Comment, DateTimeOffset? Until);
