namespace EtlStudio.Core.Domain;

/// <summary>A connection to an external data module: a source to extract from or a destination to upload to.</summary>
public sealed class Connection
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public ConnectionKind Kind { get; set; }
    public string Description { get; set; } = "";
    /// <summary>The data module's contract: free-form metadata (JSON) the owners describe it with.</summary>
    public string ContractJson { get; set; } = "{}";
    /// <summary>Connection string or base URL and headers, encrypted with Data Protection. Never shown back.</summary>
    public required string SecretCipher { get; set; }
    /// <summary>A masked rendering of the secret (host and database only), safe to show.</summary>
    public string SecretHint { get; set; } = "";
    /// <summary>Current version of the data module; bumped by each upload.</summary>
    public int Version { get; set; }
    /// <summary>How to read the current version (JSON: table → physical table or endpoint).</summary>
    public string CollectionProtocolJson { get; set; } = "{}";
    public Guid CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public uint RowVersion { get; set; }
    public List<ConnectionGrant> Grants { get; set; } = [];
}
