namespace EtlStudio.Core.Scripts;

/// <summary>Publish as QIT + ST tables (Xiao &amp; Tao, 2006), each group with at least <see cref="L"/> distinct sensitive values.</summary>
public sealed record AnatomizationParameters(int L) : AnonymizationParameters;
