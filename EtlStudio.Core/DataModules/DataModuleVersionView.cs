using EtlStudio.Core.Upload;

namespace EtlStudio.Core.DataModules;

/// <summary>
/// One published version: who uploaded it and when, from which run, its tables with row counts, its privacy report, and
/// what the privacy gate decided (<see cref="Privacy.PrivacyGateRecord"/>, an administrator's exception included).
/// </summary>
public sealed record DataModuleVersionView(int Version, bool IsCurrent, Guid RunId, int RunNumber, string TaskName, Guid CreatedBy, string CreatedByLogin,
    DateTimeOffset CreatedAt, IReadOnlyList<PublishedTable> Tables, string? PrivacyReportJson, string? PrivacyGateJson = null)
{
    public long TotalRows => Tables.Sum(t => t.Rows);
}
