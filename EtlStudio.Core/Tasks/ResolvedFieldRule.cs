using EtlStudio.Core.Scripts;

namespace EtlStudio.Core.Tasks;

/// <summary>A field rule script's settings; values are text to be converted to the column type invariantly.</summary>
public sealed record ResolvedFieldRule(Guid ScriptId, FieldRuleSettings Settings);
