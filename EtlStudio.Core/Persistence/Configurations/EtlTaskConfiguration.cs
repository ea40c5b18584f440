using EtlStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EtlStudio.Core.Persistence.Configurations;

internal sealed class EtlTaskConfiguration : IEntityTypeConfiguration<EtlTask>
{
    public void Configure(EntityTypeBuilder<EtlTask> b)
    {
        b.ToTable("etl_tasks");
        b.Property(t => t.Status).HasConversion<string>();
        b.Property(t => t.ConfigurationJson).HasColumnType("jsonb");
        b.Property(t => t.RowVersion).IsRowVersion().HasColumnName("xmin").HasColumnType("xid");
    }
}
