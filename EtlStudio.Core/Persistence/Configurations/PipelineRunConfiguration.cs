using EtlStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EtlStudio.Core.Persistence.Configurations;

internal sealed class PipelineRunConfiguration : IEntityTypeConfiguration<PipelineRun>
{
    public void Configure(EntityTypeBuilder<PipelineRun> b)
    {
        b.ToTable("pipeline_runs");
        b.Property(r => r.State).HasConversion<string>();
        b.Property(r => r.DefinitionJson).HasColumnType("jsonb");
        b.Property(r => r.PrivacyReportJson).HasColumnType("jsonb");
        b.Property(r => r.TaskDocumentJson).HasColumnType("jsonb");
        b.Property(r => r.PrivacyGateJson).HasColumnType("jsonb");
        b.Property(r => r.RowVersion).IsRowVersion().HasColumnName("xmin").HasColumnType("xid");
        b.HasMany(r => r.Steps).WithOne().HasForeignKey(s => s.RunId);
    }
}
