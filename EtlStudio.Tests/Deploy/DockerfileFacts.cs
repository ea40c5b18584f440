using System.Text.Json;
using System.Text.RegularExpressions;

namespace EtlStudio.Tests.Deploy;

/// <summary>What the Dockerfile says, read as Docker would: continuation lines joined, one instruction per entry.</summary>
public sealed partial class DockerfileFacts
{
    /// <summary>UID of "app" in the .NET images, which set APP_UID to it.</summary>
    public const long DotnetImageAppUid = 1654;

    public required IReadOnlyList<(string Stage, string Instruction, string Arguments)> Instructions { get; init; }

    public static DockerfileFacts Load(string path)
    {
        var instructions = new List<(string, string, string)>();
        var stage = "";
        var logical = "";
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.TrimEnd();
            if (logical.Length == 0 && (line.TrimStart().StartsWith('#') || line.Length == 0)) continue;
            if (line.TrimStart().StartsWith('#')) continue; // a comment inside a continued instruction
            if (line.EndsWith('\\')) { logical += line[..^1] + " "; continue; }
            logical += line;
            var m = InstructionPattern().Match(logical.Trim());
            logical = "";
            var (instruction, arguments) = (m.Groups[1].Value.ToUpperInvariant(), m.Groups[2].Value.Trim());
            if (instruction == "FROM")
            {
                var asMatch = Regex.Match(arguments, @"\s+AS\s+(\S+)$", RegexOptions.IgnoreCase);
                stage = asMatch.Success ? asMatch.Groups[1].Value : arguments;
            }
            instructions.Add((stage, instruction, arguments));
        }
        return new DockerfileFacts { Instructions = instructions };
    }

    public IEnumerable<string> All(string instruction, string? stage = null) =>
        Instructions.Where(i => i.Instruction == instruction && (stage is null || i.Stage == stage)).Select(i => i.Arguments);

    /// <summary>The stage the image is made of: the last one.</summary>
    public string FinalStage => Instructions[^1].Stage;

    public IReadOnlyList<int> ExposedPorts =>
        All("EXPOSE", FinalStage).SelectMany(a => a.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(p => int.Parse(p.Split('/')[0])).ToList();

    public IReadOnlyList<string> Entrypoint =>
        JsonSerializer.Deserialize<List<string>>(All("ENTRYPOINT", FinalStage).Last())
        ?? throw new InvalidOperationException("ENTRYPOINT is not in exec (JSON array) form");

    /// <summary>ENV of the final stage, KEY=value pairs (with any continuation lines joined).</summary>
    public IReadOnlyDictionary<string, string> Environment =>
        All("ENV", FinalStage).SelectMany(a => EnvPairPattern().Matches(a)).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Trim('"'));

    /// <summary>The numeric user the image runs as; null for a name Kubernetes cannot verify as non-root.</summary>
    public long? Uid
    {
        get
        {
            var user = All("USER", FinalStage).Last().Split(':')[0];
            if (user is "$APP_UID" or "${APP_UID}") return DotnetImageAppUid;
            return long.TryParse(user, out var uid) ? uid : null;
        }
    }

    [GeneratedRegex(@"^(\w+)\s*(.*)$", RegexOptions.Singleline)]
    private static partial Regex InstructionPattern();

    [GeneratedRegex(@"(\w+)=(""[^""]*""|\S+)")]
    private static partial Regex EnvPairPattern();
}
