namespace EtlStudio.Core.Scripts;

/// <summary>Numeric noise (<see cref="Distribution"/> with <see cref="Scale"/>), or dates shifted by up to <see cref="DateShiftDays"/> days.</summary>
public sealed record PerturbationParameters(NoiseDistribution? Distribution, double? Scale, int? DateShiftDays) : AnonymizationParameters;
