using System.Security.Claims;
using Inspection.Contracts.Api;
using Inspection.Contracts.Api.Accounts;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Inspection.CloudInference.Accounts;

/// <summary>
/// The sign-in page, the session (<c>/api/session</c>: sign in, who am I, sign out) and account management
/// (<c>/api/accounts</c>, admin; tokens also by their own account). Errors answer <see cref="ApiError"/>: 400 bad input,
/// 401 not signed in or wrong credentials, 403 a role that may not, 404 an unknown account or token, 409 a change the
/// state does not allow (a name taken, the last admin), 429 too many failed sign-ins (<see cref="SignInThrottle"/>).
/// </summary>
public static class AccountApiExtensions
{
    public const string SignInPath = "/signin";

    public const string SessionPath = "/api/session";

    /// <summary>The one answer to a refused sign-in, whichever part was wrong.</summary>
    public const string SignInRefused = "wrong name or password (or the account is disabled)";

    private const string PageResource = "Inspection.CloudInference.Web.signin.html";

    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder endpoints)
    {
        var page = Web.WebExtensions.ReadResource(PageResource);
        endpoints.MapGet(SignInPath, () => Results.Content(page, "text/html; charset=utf-8")).AllowAnonymous();

        endpoints.MapPost(SessionPath, async (HttpContext http, AccountStore store, SignInThrottle throttle, SignInRequest? request) =>
        {
            // Checked before the password, so a limited name or address learns nothing from its next guesses.
            var address = SignInThrottle.AddressOf(http);
            if (throttle.Check(request?.Name, address) is { } limit)
            {
                http.Response.Headers.RetryAfter = limit.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Results.Json(new ApiError(limit.Message), statusCode: StatusCodes.Status429TooManyRequests);
            }

            if (store.SignIn(request?.Name, request?.Password) is not { } account)
            {
                throttle.Failed(request?.Name, address);
                return Results.Json(new ApiError(SignInRefused), statusCode: StatusCodes.Status401Unauthorized);
            }

            throttle.Succeeded(request?.Name, address);

            await http.SignInAsync(
                CookieAuthenticationDefaults.AuthenticationScheme,
                AccountClaims.Principal(account, CookieAuthenticationDefaults.AuthenticationScheme)).ConfigureAwait(false);
            return Results.Ok(new SessionView(account.Name, account.Role, "cookie", null, null));
        }).AllowAnonymous();

        endpoints.MapGet(SessionPath, (HttpContext http, IAntiforgery antiforgery) =>
        {
            var user = http.User;
            var role = user.FindFirstValue(ClaimTypes.Role) ?? "";
            if (BearerTokenHandler.HasBearer(http.Request))
            {
                return Results.Ok(new SessionView(user.Actor(), role, "token", null, null));
            }

            var tokens = antiforgery.GetAndStoreTokens(http);
            return Results.Ok(new SessionView(user.Actor(), role, "cookie", AccountsExtensions.AntiforgeryHeader, tokens.RequestToken));
        }).RequireAuthorization(AccessPolicies.Operator);

        endpoints.MapDelete(SessionPath, async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
            return Results.NoContent();
        }).RequireAuthorization(AccessPolicies.Operator);

        var admin = endpoints.MapGroup("/api/accounts").RequireAuthorization(AccessPolicies.Admin);
        admin.MapGet("/", (AccountStore store) => Results.Ok(store.List().Select(View)));
        admin.MapPost("/", (AccountStore store, ClaimsPrincipal user, CreateAccountRequest? request) =>
            request is null
                ? Results.BadRequest(new ApiError("the body must be JSON like {\"name\":\"ana\",\"role\":\"operator\",\"password\":\"…\"}"))
                : Answer(() =>
                {
                    var account = store.Create(request.Name ?? "", request.Role ?? "", request.Password ?? "", user.Actor());
                    return Results.Created($"/api/accounts/{account.Id}", View(account));
                }));
        admin.MapPut("/{name}/role", (AccountStore store, ClaimsPrincipal user, string name, SetRoleRequest? request) =>
            Answer(() => Results.Ok(View(store.SetRole(name, request?.Role ?? "", user.Actor())))));
        admin.MapPut("/{name}/password", (AccountStore store, ClaimsPrincipal user, string name, SetPasswordRequest? request) =>
            Answer(() => Results.Ok(View(store.ResetPassword(name, request?.Password ?? "", user.Actor())))));
        admin.MapPost("/{name}/disable", (AccountStore store, ClaimsPrincipal user, string name) =>
            Answer(() => Results.Ok(View(store.Disable(name, user.Actor())))));
        admin.MapPost("/{name}/enable", (AccountStore store, ClaimsPrincipal user, string name) =>
            Answer(() => Results.Ok(View(store.Enable(name, user.Actor())))));

        // An account manages its own tokens; an admin anyone's.
        var tokens = endpoints.MapGroup("/api/accounts/{name}/tokens").RequireAuthorization(AccessPolicies.Operator);
        tokens.MapGet("/", (AccountStore store, HttpContext http, string name) =>
            Own(http, name) ?? Answer(() => Results.Ok(store.Tokens(name).Select(t => TokenView(t, null)))));
        tokens.MapPost("/", (AccountStore store, HttpContext http, string name, IssueTokenRequest? request) =>
            Own(http, name) ?? Answer(() =>
            {
                var (token, stored) = store.IssueToken(name, request?.Name, http.User.Actor());
                return Results.Created($"/api/accounts/{stored.AccountId}/tokens/{stored.TokenId}", TokenView(stored, token));
            }));
        tokens.MapDelete("/{tokenId}", (AccountStore store, HttpContext http, string name, string tokenId) =>
            Own(http, name) ?? Answer(() => Results.Ok(TokenView(store.RevokeToken(name, tokenId, http.User.Actor()), null))));
        return endpoints;
    }

    internal static AccountView View(StoredAccount account) => new(
        account.Name,
        account.Role,
        Utc(account.CreatedAt),
        account.CreatedBy,
        account.DisabledAt is { } disabled ? Utc(disabled) : null);

    internal static TokenView TokenView(StoredToken token, string? secret) => new(
        token.TokenId,
        token.Name,
        Utc(token.CreatedAt),
        token.CreatedBy,
        token.LastUsedAt is { } used ? Utc(used) : null,
        token.RevokedAt is { } revoked ? Utc(revoked) : null,
        secret);

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static IResult? Own(HttpContext http, string name) =>
        http.User.IsInRole(AccountRoles.Admin) || string.Equals(http.User.Id(), name, StringComparison.OrdinalIgnoreCase)
            ? null
            : Results.Json(new ApiError($"account '{http.User.Actor()}' may manage only its own tokens: an admin manages those of '{name}'"), statusCode: StatusCodes.Status403Forbidden);

    private static IResult Answer(Func<IResult> action)
    {
        try
        {
            return action();
        }
        catch (ArgumentException ex)
        {
            return Results.BadRequest(new ApiError(ex.Message));
        }
        catch (KeyNotFoundException ex)
        {
            return Results.NotFound(new ApiError(ex.Message));
        }
        catch (InvalidOperationException ex)
        {
            return Results.Conflict(new ApiError(ex.Message));
        }
    }
}
