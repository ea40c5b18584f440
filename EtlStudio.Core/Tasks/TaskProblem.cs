using EtlStudio.Core.Common;

namespace EtlStudio.Core.Tasks;

/// <summary>
/// A problem with a flag: <see cref="BlocksSave"/> problems (a script or connection that does not exist, a script of
/// the wrong kind) are refused at once; the others are the "what is missing" list that only blocks release.
/// </summary>
internal sealed record TaskProblem(ValidationProblem Problem, bool BlocksSave);
