using System.Security.Claims;

namespace Inspection.CloudInference.Accounts;

/// <summary>The signed-in account as claims: its id, display name, role and the stamp a cookie is checked against.</summary>
public static class AccountClaims
{
    public const string Stamp = "inspection:stamp";

    public static ClaimsPrincipal Principal(StoredAccount account, string authenticationType) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, account.Id),
                new Claim(ClaimTypes.Name, account.Name),
                new Claim(ClaimTypes.Role, account.Role),
                new Claim(Stamp, account.Stamp),
            ],
            authenticationType,
            ClaimTypes.Name,
            ClaimTypes.Role));

    /// <summary>The account id of a signed-in user; null when nobody is signed in.</summary>
    public static string? Id(this ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier);

    /// <summary>The name a change is logged under.</summary>
    public static string Actor(this ClaimsPrincipal user) => user.Identity?.Name ?? "unknown";
}
