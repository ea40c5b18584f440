using EtlStudio.Core.Domain;
using EtlStudio.Core.Scripts;

namespace EtlStudio.Core.Tasks;

/// <summary>Where and how to publish: the destination connection and the uploading script's parsed description.</summary>
public sealed record ResolvedUpload(Guid ScriptId, Guid DestinationConnectionId, ConnectionKind DestinationKind, UploadDescription Description);
