using EtlStudio.Core.Common;
using EtlStudio.Core.Pipeline.Anonymization;
using EtlStudio.Core.Tasks;

namespace EtlStudio.Core.Pipeline;

/// <summary>One task table's part of the <see cref="RunPlan"/>.</summary>
/// <param name="Index">Its place in the task: it names the table's working tables (<c>__x{Index}</c>, …) and orders the outbox catalog.</param>
/// <param name="FieldRules">Its columns' field rules as step 2 applies them, in the table's column order.</param>
/// <param name="RewrittenByMerge">The key, when Regenerate gives duplicates new keys (the merge then writes a new table).</param>
/// <param name="RewrittenByTransform">
/// Every column when an Update script runs: a script may change any of them, so the step works on copies.
/// </param>
/// <param name="RewrittenByAnonymization">The columns with an anonymization method; the anonymizer writes the published table anew.</param>
/// <param name="AnonymizationRequest">
/// What the anonymize step hands the anonymizer (without the row count, known only then); null when the table has no
/// anonymized, quasi-identifier or sensitive column and is published as the earlier steps left it.
/// </param>
/// <param name="Anonymization">The anonymizer's plan for the table, read from <paramref name="AnonymizationRequest"/>.</param>
/// <param name="AnonymizationRefused">
/// Why the anonymizer cannot plan the table (two anatomized columns, say), when it cannot: the anonymize step fails with
/// it when it reaches the table, so the run's history shows the refusal where it belongs.
/// </param>
internal sealed record TablePlan(
    int Index,
    ResolvedTable Table,
    IReadOnlyList<ColumnRules> FieldRules,
    IReadOnlyList<string> RewrittenByMerge,
    IReadOnlyList<string> RewrittenByTransform,
    IReadOnlyList<string> RewrittenByAnonymization,
    AnonymizationRequest? AnonymizationRequest,
    AnonymizationPlan? Anonymization,
    string? AnonymizationRefused = null)
{
    /// <summary>The columns whose values a fill or a clamp of step 2 may change (in place: the table stays the same).</summary>
    public IReadOnlyList<string> RewrittenByFieldRules => FieldRules.Where(r => r.Rewrites).Select(r => r.Column.Name).ToList();

    /// <summary>
    /// Whether the table extracted is the one published: the later steps delete and update its records in place and
    /// rename it, since no step writes it anew. Only a matter of cost: such a table is written logged from the start,
    /// where any other working table is unlogged and the outbox step makes whatever it publishes logged.
    /// </summary>
    public bool PublishedAsExtracted => RewrittenByMerge.Count == 0 && RewrittenByTransform.Count == 0 && RewrittenByAnonymization.Count == 0;

    public static TablePlan For(PipelineJob job, int index, bool transformationsOnlyRead)
    {
        var table = job.Task.Tables[index];
        var request = table.Columns.Any(c => c.Anonymization is not null || c.QuasiIdentifier || c.Sensitive)
            ? new AnonymizationRequest(job.Schema, table.Name, table.Columns, table.PrimaryKey, job.Task.Privacy, job.Seed, index)
            : null;
        AnonymizationPlan? anonymization = null;
        string? refused = null;
        try { anonymization = request is null ? null : AnonymizationPlan.For(request); }
        catch (DomainException e) when (e.Kind == ErrorKind.FailedPrecondition) { refused = e.Message; }
        return new TablePlan(index, table,
            table.Columns.Select(ColumnRules.For).ToList(),
            table is { PrimaryKey: { } key, MergeStrategy: MergeStrategy.Regenerate } ? [key] : [],
            transformationsOnlyRead ? [] : table.Columns.Select(c => c.Name).ToList(),
            table.Columns.Where(c => c.Anonymization is not null).Select(c => c.Name).ToList(),
            request,
            anonymization,
            refused);
    }
}
