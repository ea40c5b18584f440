namespace EtlStudio.Web.Components.Pages.Outbox;

/// <summary>The column the outbox grid is sorted by on the server, and its direction.</summary>
public sealed record OutboxSort(string Column, bool Descending);
