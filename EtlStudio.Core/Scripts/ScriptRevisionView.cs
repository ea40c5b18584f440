namespace EtlStudio.Core.Scripts;

/// <summary>One saved revision of a script: what it said and who saved it when.</summary>
public sealed record ScriptRevisionView(int Revision, string Body, string SettingsJson, string ChangedBy, DateTimeOffset ChangedAt);
