namespace Inspection.CloudInference.Accounts;

/// <summary>An account as the cloud database keeps it; the password only as a salted hash.</summary>
public sealed class StoredAccount
{
    /// <summary>The account's name in lower case: names are unique whatever their case.</summary>
    public string Id { get; set; } = "";

    /// <summary>The name as it was given.</summary>
    public string Name { get; set; } = "";

    public string Role { get; set; } = AccountRoles.Operator;

    /// <summary>ASP.NET Core Identity's PBKDF2 hash of the password (format v3: salt and iteration count inside).</summary>
    public string PasswordHash { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public string CreatedBy { get; set; } = "";

    /// <summary>When the account was disabled; null while it may sign in.</summary>
    public DateTime? DisabledAt { get; set; }

    /// <summary>Changed with every password reset, role change or disabling: a cookie issued before no longer signs in.</summary>
    public string Stamp { get; set; } = "";
}
