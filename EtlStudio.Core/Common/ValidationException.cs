namespace EtlStudio.Core.Common;

/// <summary>Input that breaks one or more rules; carries every problem found, not just the first.</summary>
public sealed class ValidationException(IReadOnlyList<ValidationProblem> problems)
    : DomainException(ErrorKind.Validation, string.Join("; ", problems))
{
    public IReadOnlyList<ValidationProblem> Problems { get; } = problems;

    public ValidationException(string path, string message) : this([new ValidationProblem(path, message)]) { }

    /// <summary>Throws when <paramref name="problems"/> is not empty.</summary>
    public static void ThrowIfAny(IReadOnlyCollection<ValidationProblem> problems)
    {
        if (problems.Count > 0) throw new ValidationException(problems.ToList());
    }
}
