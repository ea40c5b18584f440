namespace EtlStudio.Tests.Jobs;

/// <summary>A migrated database a <see cref="JobsNode"/> can join.</summary>
public interface IJobsDatabase
{
    string ConnectionString { get; }
}
