namespace EtlStudio.Core.Common;

/// <summary>One problem with an input: where it is (for example <c>tables[orders].columns[total]</c>) and what is wrong.</summary>
public sealed record ValidationProblem(string Path, string Message)
{
    public override string ToString() => string.IsNullOrEmpty(Path) ? Message : $"{Path}: {Message}";
}
