using EtlStudio.Core.Connections;

namespace EtlStudio.Core.Pipeline.Extraction;

/// <summary>A source connection as the extraction reads it: its name (for messages) and its secret.</summary>
internal sealed record ExtractionSource(string Name, ConnectionSecret Secret);
