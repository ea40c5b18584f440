namespace EtlStudio.Tests.Jobs;

/// <summary>A database someone else owns and migrated (an <c>AppProcess</c>'s, say).</summary>
public sealed record ExistingDatabase(string ConnectionString) : IJobsDatabase;
