using Npgsql;

namespace EtlStudio.Core.Pipeline.Anonymization;

// TODO(#6): replaced by the anonymization work on branch 'anon'; until then a table that asks for anonymization fails its run clearly.
public sealed class TableAnonymizer
{
    public Task<AnonymizationResult> ApplyAsync(NpgsqlConnection conn, AnonymizationRequest request, CancellationToken ct) =>
        throw new PipelineFailure(PipelineStep.Anonymize, $"Anonymization of table '{request.Table}' is not available in this build.");
}
