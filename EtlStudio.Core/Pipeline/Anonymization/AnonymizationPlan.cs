using EtlStudio.Core.Common;
using EtlStudio.Core.Scripts;
using EtlStudio.Core.Tasks;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>What one table's anonymization will do, read once from the request: which columns each phase touches.</summary>
internal sealed record AnonymizationPlan(
    IReadOnlyList<string> QuasiIdentifiers,
    int? K,
    IReadOnlyList<ResolvedColumn> RowLocal,
    IReadOnlyList<(ResolvedColumn Column, bool WithinGroups)> Permuted,
    ResolvedColumn? Anatomized,
    int? L,
    IReadOnlyList<ResolvedColumn> Sensitive)
{
    public const string GroupId = "group_id";
    public const string Count = "count";
    public const string QitSuffix = "_qit";
    public const string StSuffix = "_st";

    public static AnonymizationPlan For(AnonymizationRequest r)
    {
        var qi = r.Columns.Where(c => c.QuasiIdentifier).Select(c => c.Name).ToList();
        var suppressionK = r.Columns.Select(c => (c.Anonymization?.Parameters as SuppressionParameters)?.K).Max();
        // The stricter of the column's k and the task's k: both were asked for, and a larger k satisfies both.
        int? k = MaxOf(suppressionK, r.Privacy.K);

        var rowLocal = r.Columns.Where(c => c.Anonymization?.Method is AnonymizationMethod.Generalization
            or AnonymizationMethod.Suppression or AnonymizationMethod.Perturbation).ToList();
        var permuted = r.Columns.Where(c => c.Anonymization?.Parameters is PermutationParameters)
            .Select(c => (c, ((PermutationParameters)c.Anonymization!.Parameters).WithinGroups)).ToList();

        var anatomized = r.Columns.Where(c => c.Anonymization?.Method == AnonymizationMethod.Anatomization).ToList();
        // Anatomy (Xiao & Tao) publishes one sensitive attribute per table; two ST tables would need two group ids.
        if (anatomized.Count > 1)
            throw DomainException.Precondition($"Table {r.Table}: only one column can be anatomized, but {string.Join(", ", anatomized.Select(c => c.Name))} are.");
        var anatomy = anatomized.SingleOrDefault();
        int? l = anatomy?.Anonymization!.Parameters is AnatomizationParameters ap ? MaxOf(ap.L, r.Privacy.L) : null;
        if (anatomy is not null)
        {
            if (r.Table.Length + QitSuffix.Length > 63)
                throw DomainException.Precondition($"Table {r.Table}: the name is too long to add '{QitSuffix}' for its anatomized tables (at most 59 characters).");
            if (r.Columns.Any(c => string.Equals(c.Name, GroupId, StringComparison.OrdinalIgnoreCase))
                || string.Equals(anatomy.Name, Count, StringComparison.OrdinalIgnoreCase))
                throw DomainException.Precondition($"Table {r.Table}: a column named '{GroupId}' or an anatomized column named '{Count}' clashes with the anatomized tables' own columns.");
        }

        // The anatomized column is sensitive by definition, even if the task forgot the flag.
        var sensitive = r.Columns.Where(c => c.Sensitive || c == anatomy).ToList();
        return new(qi, k, rowLocal, permuted, anatomy, l, sensitive);
    }

    private static int? MaxOf(int? a, int? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
}
