using EtlStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EtlStudio.Core.Persistence.Configurations;

internal sealed class ScriptConfiguration : IEntityTypeConfiguration<Script>
{
    public void Configure(EntityTypeBuilder<Script> b)
    {
        b.ToTable("scripts");
        b.Property(s => s.Kind).HasConversion<string>();
        b.Property(s => s.SettingsJson).HasColumnType("jsonb");
        b.Property(s => s.FieldsJson).HasColumnType("jsonb");
        b.Property(s => s.RowVersion).IsRowVersion().HasColumnName("xmin").HasColumnType("xid");
    }
}
