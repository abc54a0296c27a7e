namespace Inspection.CloudInference.Accounts;

/// <summary>The roles an account can have; each includes what the one before it may do.</summary>
public static class AccountRoles
{
    /// <summary>Reads the fleet, escalations and summaries; reviews parts.</summary>
    public const string Operator = "operator";

    /// <summary>An operator who also changes modes and models, uploads packages and runs rollouts.</summary>
    public const string Engineer = "engineer";

    /// <summary>An engineer who also manages accounts.</summary>
    public const string Admin = "admin";

    /// <summary>Every role, lowest first.</summary>
    public static readonly IReadOnlyList<string> All = [Operator, Engineer, Admin];

    public static bool IsValid(string? role) => role is not null && All.Contains(role, StringComparer.Ordinal);

    /// <summary>The roles that satisfy <paramref name="role"/>: it and every higher one.</summary>
    public static string[] AtLeast(string role) => [.. All.Skip(All.ToList().IndexOf(role))];

    public static string Problem(string? role) =>
        $"role '{role}' is not known: use one of {string.Join(", ", All)}";
}
