namespace EtlStudio.Tests.Jobs;

/// <summary>A migrated database a <see cref="JobsNode"/> can join.</summary>
public interface IJobsDatabase
{
    string ConnectionString { get; }
}

/// <summary>A database someone else owns and migrated (an <c>AppProcess</c>'s, say).</summary>
public sealed record ExistingDatabase(string ConnectionString) : IJobsDatabase;
