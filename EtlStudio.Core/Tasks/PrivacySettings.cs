namespace EtlStudio.Core.Tasks;

/// <summary>k for k-anonymity, l for anatomization, and an optional fixed random seed (tests, reproducible runs).</summary>
public sealed record PrivacySettings(int? K, int? L, long? Seed);
