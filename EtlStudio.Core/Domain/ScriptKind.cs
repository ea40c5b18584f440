namespace EtlStudio.Core.Domain;

/// <summary>The five kinds of the seed's <c>Script.script</c> oneof.</summary>
public enum ScriptKind
{
    Extractor,
    FieldRule,
    AnonymizationRule,
    Transformer,
    Uploader,
}
