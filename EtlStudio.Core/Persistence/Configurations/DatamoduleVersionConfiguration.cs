using EtlStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EtlStudio.Core.Persistence.Configurations;

internal sealed class DatamoduleVersionConfiguration : IEntityTypeConfiguration<DatamoduleVersion>
{
    public void Configure(EntityTypeBuilder<DatamoduleVersion> b)
    {
        b.ToTable("datamodule_versions");
        b.Property(v => v.TablesJson).HasColumnType("jsonb");
        b.Property(v => v.PrivacyReportJson).HasColumnType("jsonb");
        b.Property(v => v.MetadataJson).HasColumnType("jsonb");
    }
}
