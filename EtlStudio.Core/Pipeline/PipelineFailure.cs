namespace EtlStudio.Core.Pipeline;

/// <summary>
/// A run cannot go on, for a reason the user can act on (a source is down, a response is not JSON, a transformation
/// failed). The message is shown to people as it is: it names the step, table or source, never a secret.
/// </summary>
public sealed class PipelineFailure(PipelineStep step, string message, Exception? inner = null) : Exception(message, inner)
{
    public PipelineStep Step { get; } = step;
}
