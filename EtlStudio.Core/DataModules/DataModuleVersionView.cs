using EtlStudio.Core.Upload;

namespace EtlStudio.Core.DataModules;

/// <summary>One published version: who uploaded it and when, from which run, its tables with row counts, and its privacy report.</summary>
public sealed record DataModuleVersionView(int Version, bool IsCurrent, Guid RunId, int RunNumber, string TaskName, Guid CreatedBy, string CreatedByLogin,
    DateTimeOffset CreatedAt, IReadOnlyList<PublishedTable> Tables, string? PrivacyReportJson)
{
    public long TotalRows => Tables.Sum(t => t.Rows);
}
