using EtlStudio.Jobs.Hosting;
using Quartz;

namespace EtlStudio.Jobs.Runs;

/// <summary>One job (and one trigger of the same name) per run: <c>run-{id}</c> and <c>upload-{id}</c>.</summary>
public static class RunJobKeys
{
    public const string RunPrefix = "run-";
    public const string UploadPrefix = "upload-";

    public static JobKey Run(Guid runId) => new(RunPrefix + runId.ToString("D"), JobGroups.Runs);
    public static JobKey Upload(Guid runId) => new(UploadPrefix + runId.ToString("D"), JobGroups.Uploads);

    /// <summary>The run a run or upload job works on; null for any other job.</summary>
    public static Guid? RunIdOf(JobKey key) => key.Group switch
    {
        JobGroups.Runs when key.Name.StartsWith(RunPrefix, StringComparison.Ordinal) => Parse(key.Name[RunPrefix.Length..]),
        JobGroups.Uploads when key.Name.StartsWith(UploadPrefix, StringComparison.Ordinal) => Parse(key.Name[UploadPrefix.Length..]),
        _ => null,
    };

    private static Guid? Parse(string text) => Guid.TryParse(text, out var id) ? id : null;
}
