using System.Text;
using EtlStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace EtlStudio.Core.Persistence;

/// <summary>The application's tables (schema <c>app</c>). Created per operation through <see cref="IDbContextFactory{TContext}"/>.</summary>
public sealed class EtlStudioDbContext(DbContextOptions<EtlStudioDbContext> options) : DbContext(options)
{
    public const string Schema = "app";

    public DbSet<User> Users => Set<User>();
    public DbSet<RoleAssignment> RoleAssignments => Set<RoleAssignment>();
    public DbSet<Connection> Connections => Set<Connection>();
    public DbSet<ConnectionGrant> ConnectionGrants => Set<ConnectionGrant>();
    public DbSet<AccessRequest> AccessRequests => Set<AccessRequest>();
    public DbSet<Notification> Notifications => Set<Notification>();
    public DbSet<Script> Scripts => Set<Script>();
    public DbSet<ScriptRevision> ScriptRevisions => Set<ScriptRevision>();
    public DbSet<EtlTask> Tasks => Set<EtlTask>();
    public DbSet<PipelineRun> Runs => Set<PipelineRun>();
    public DbSet<RunStep> RunSteps => Set<RunStep>();
    public DbSet<DatamoduleVersion> DatamoduleVersions => Set<DatamoduleVersion>();
    public DbSet<UploadBatch> UploadBatches => Set<UploadBatch>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(EtlStudioDbContext).Assembly);

        // The SQL migrations use snake_case; map every table and column to it in one place.
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                if (property.GetColumnName() != "xmin") property.SetColumnName(ToSnakeCase(property.Name));
            }
        }
    }

    internal static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0 && (!char.IsUpper(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]))))
                sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}
