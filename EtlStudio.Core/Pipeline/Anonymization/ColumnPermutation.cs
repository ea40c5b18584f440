namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// Shuffles each permuted column's values across records (or only among records of one equivalence class): records
/// are numbered in <c>_row</c> order, values in a random order, and record i takes value i — a uniformly random
/// permutation (a cheaper random cycle would tell that no record kept its value, and reverse a class of two). The
/// multiset of values (per class, when within groups) is unchanged. The shuffle is worked out on narrow data by
/// <see cref="RecordChoices"/>; a record's new values are its <c>_anon_v{n}</c> columns there.
/// </summary>
internal sealed class ColumnPermutation
{
    private readonly Dictionary<string, string> _aliases;

    public ColumnPermutation(AnonymizationPlan plan) =>
        _aliases = plan.Permuted.Select((x, i) => (x.Column.Name, i)).ToDictionary(x => x.Name, x => Alias(x.i));

    /// <summary>The choices' column holding the new values of the <paramref name="n"/>th permuted column.</summary>
    public static string Alias(int n) => "_anon_v" + n;

    /// <summary>The value a record publishes for <paramref name="column"/> among published rows with choices (alias <paramref name="t"/>).</summary>
    public string Value(string column, string t) =>
        _aliases.TryGetValue(column, out var alias) ? $"{t}.{alias}" : $"{t}.{Sql.Ident(column)}";

    /// <summary>The name of a permuted column's draw among the table's draws (<see cref="RowDraws"/>).</summary>
    public static string Purpose(string column) => column + "/permutation";
}
