using EtlStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EtlStudio.Core.Persistence.Configurations;

internal sealed class ScriptRevisionConfiguration : IEntityTypeConfiguration<ScriptRevision>
{
    public void Configure(EntityTypeBuilder<ScriptRevision> b)
    {
        b.ToTable("script_revisions");
        // Declared so EF inserts a new script before its first revision.
        b.HasOne<Script>().WithMany().HasForeignKey(r => r.ScriptId);
        b.Property(s => s.SettingsJson).HasColumnType("jsonb");
        b.Property(s => s.FieldsJson).HasColumnType("jsonb");
    }
}
