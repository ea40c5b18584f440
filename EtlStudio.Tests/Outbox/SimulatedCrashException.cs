namespace EtlStudio.Tests.Outbox;

/// <summary>Thrown by <see cref="UploadFaultSwitch"/> where a worker would have died.</summary>
public sealed class SimulatedCrashException(string where) : Exception($"Simulated crash at {where}.");
