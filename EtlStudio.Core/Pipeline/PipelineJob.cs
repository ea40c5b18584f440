using EtlStudio.Core.Tasks;

namespace EtlStudio.Core.Pipeline;

/// <summary>
/// One execution of a resolved task: where it stages (<see cref="Schema"/>), the seed of every random choice, an
/// optional sample size (preview), and the id that names its sandbox role.
/// </summary>
public sealed record PipelineJob(Guid RunId, string Schema, ResolvedTask Task, long Seed, int? SampleRows = null);
