namespace Inspection.CloudInference.Accounts;

/// <summary>An API token as the cloud database keeps it: the SHA-256 of the token, never the token.</summary>
public sealed class StoredToken
{
    /// <summary>Lower-case hex SHA-256 of the token: what a bearer request is looked up by.</summary>
    public string Id { get; set; } = "";

    /// <summary>The short id a person names the token by (to revoke it): the first characters of the hash.</summary>
    public string TokenId { get; set; } = "";

    /// <summary>The owning account's id (its lower-case name).</summary>
    public string AccountId { get; set; } = "";

    public string Name { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public string CreatedBy { get; set; } = "";

    public DateTime? LastUsedAt { get; set; }

    public DateTime? RevokedAt { get; set; }

    public string? RevokedBy { get; set; }
}
