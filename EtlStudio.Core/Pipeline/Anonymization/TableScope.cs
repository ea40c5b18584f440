using Npgsql;

namespace EtlStudio.Core.Pipeline.Anonymization;

/// <summary>
/// What every phase of one table's anonymization works with: the step's connection (and side connections, when the
/// table is committed), the request, its plan, and the small classes' table (<see cref="KAnonymityFilter"/>) whose
/// records no phase after the first publishes.
/// </summary>
internal sealed record TableScope(NpgsqlConnection Connection, SideConnections? Side, AnonymizationRequest Request, AnonymizationPlan Plan, string? Small)
{
    /// <summary>The key of one use of randomness in this process, from the run's seed.</summary>
    public KeyedRandom Random(string purpose) => RecordChoices.Random(Request, purpose);
}
