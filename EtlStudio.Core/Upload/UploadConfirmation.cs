using EtlStudio.Core.Domain;
using EtlStudio.Core.Privacy;

namespace EtlStudio.Core.Upload;

/// <summary>
/// What an upload would do, for the person asked to confirm it: the destination, the version it will create, the
/// outbox's privacy as it stands and whether this person may publish it anyway (administrators, with a written reason).
/// </summary>
public sealed record UploadConfirmation(Guid RunId, Guid DestinationId, string DestinationName, ConnectionKind DestinationKind, int NextVersion,
    OutboxPrivacy Privacy, bool MayGrantException);
