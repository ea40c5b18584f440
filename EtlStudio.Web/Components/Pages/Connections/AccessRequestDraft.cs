using EtlStudio.Core.Domain;

namespace EtlStudio.Web.Components.Pages.Connections;

/// <summary>What someone asks for in <see cref="RequestAccessDialog"/>: the access, why, and for how many days (null: no end).</summary>
public sealed record AccessRequestDraft(AccessType Access, string Reason, int? Days);
