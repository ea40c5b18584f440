namespace EtlStudio.Core.Connections;

public sealed record ConnectionTestResult(bool Success, string Message, TimeSpan Elapsed);
