using EtlStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EtlStudio.Core.Persistence.Configurations;

internal sealed class ConnectionGrantConfiguration : IEntityTypeConfiguration<ConnectionGrant>
{
    public void Configure(EntityTypeBuilder<ConnectionGrant> b)
    {
        b.ToTable("connection_grants");
        b.Property(g => g.Access).HasConversion<string>();
    }
}
