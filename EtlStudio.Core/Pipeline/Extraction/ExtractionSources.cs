using EtlStudio.Core.Connections;
using Npgsql;

namespace EtlStudio.Core.Pipeline.Extraction;

/// <summary>
/// Reads a source connection's name and secret when the extraction reaches it: a run's snapshot names its sources by id
/// only, so a secret is never copied into it and a changed secret is the one used.
/// </summary>
internal sealed class ExtractionSources(NpgsqlDataSource dataSource, ConnectionService connections)
{
    public async Task<ExtractionSource> GetAsync(Guid connectionId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT name FROM app.connections WHERE id = @id");
        cmd.Parameters.AddWithValue("id", connectionId);
        var name = (string?)await cmd.ExecuteScalarAsync(ct) ?? throw new PipelineFailure(PipelineStep.Extract, $"Source connection {connectionId} no longer exists.");
        return new ExtractionSource(name, await connections.GetSecretAsync(connectionId, ct));
    }
}
