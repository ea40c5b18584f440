using EtlStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EtlStudio.Core.Persistence.Configurations;

internal sealed class ConnectionConfiguration : IEntityTypeConfiguration<Connection>
{
    public void Configure(EntityTypeBuilder<Connection> b)
    {
        b.ToTable("connections");
        b.Property(c => c.Kind).HasConversion<string>();
        b.Property(c => c.ContractJson).HasColumnType("jsonb");
        b.Property(c => c.CollectionProtocolJson).HasColumnType("jsonb");
        b.Property(c => c.RowVersion).IsRowVersion().HasColumnName("xmin").HasColumnType("xid");
        b.HasMany(c => c.Grants).WithOne().HasForeignKey(g => g.ConnectionId);
    }
}
