namespace EtlStudio.Core.Tasks;

/// <summary>The uploading script and the data module it writes to (needs WRITE on it).</summary>
public sealed record UploadConfig(Guid? ScriptId, Guid? DestinationConnectionId);
