namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>The tables an anatomized table's QIT and ST are written into (schema-qualified scratch names), and which of them the dealing pass writes.</summary>
internal sealed record AnatomyTables(string Qit, string St, AnatomyDealing.Outputs Dealt);
