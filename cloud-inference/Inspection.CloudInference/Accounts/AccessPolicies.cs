using Microsoft.AspNetCore.Authorization;

namespace Inspection.CloudInference.Accounts;

/// <summary>
/// The authorization policies of the page and the JSON API, one per role. A higher role satisfies every lower policy, so
/// an endpoint names the least role it needs: <c>.RequireAuthorization(AccessPolicies.Operator)</c>.
/// </summary>
public static class AccessPolicies
{
    /// <summary>Signed in with any role: operator, engineer or admin.</summary>
    public const string Operator = "operator";

    /// <summary>Engineer or admin: modes, models, rollouts.</summary>
    public const string Engineer = "engineer";

    /// <summary>Admin only: accounts.</summary>
    public const string Admin = "admin";

    public static void Add(AuthorizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (policy, role) in new[] { (Operator, AccountRoles.Operator), (Engineer, AccountRoles.Engineer), (Admin, AccountRoles.Admin) })
        {
            options.AddPolicy(policy, p => p.RequireAuthenticatedUser().RequireRole(AccountRoles.AtLeast(role)));
        }
    }
}
