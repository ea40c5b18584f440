using EtlStudio.Core.Domain;
using EtlStudio.Core.Scripts;

namespace EtlStudio.Core.Tasks;

/// <summary>
/// One source of a table: the connection (by id; its secret is read by the engine, never copied here), the script
/// body, and for an HTTP source the parsed request (<see cref="ExtractorBody"/> documents the formats).
/// </summary>
public sealed record ResolvedExtraction(Guid ScriptId, Guid ConnectionId, ConnectionKind ConnectionKind, int Priority, string Body, HttpRequestDescription? Http);
