using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Accounts;

/// <summary>
/// <c>Authorization: Bearer insp_…</c>: an API token issued to an account (for the operator CLI and scripts). No cookie is
/// involved, so such requests need no antiforgery token.
/// </summary>
public sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, AccountStore accounts)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    private const string Prefix = "Bearer ";

    public static bool HasBearer(HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        try
        {
            return Task.FromResult(accounts.Authenticate(header[Prefix.Length..].Trim()) is { } found
                ? AuthenticateResult.Success(new AuthenticationTicket(AccountClaims.Principal(found.Account, SchemeName), SchemeName))
                : AuthenticateResult.Fail("the token is unknown, revoked, or its account is disabled"));
        }
        catch (Exception ex) when (ex is LiteDB.LiteException or IOException or System.Data.Common.DbException or TimeoutException)
        {
            // A broken store refuses the token (401), but must not fail requests that need none, such as /healthz.
            return Task.FromResult(AuthenticateResult.Fail(ex));
        }
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = SchemeName;
        await AccessAnswers.WriteAsync(Context, StatusCodes.Status401Unauthorized,
            "the token is unknown, revoked, or its account is disabled: issue a new one (operator-cli account token)").ConfigureAwait(false);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        AccessAnswers.WriteAsync(Context, StatusCodes.Status403Forbidden, AccessAnswers.Forbidden(Context));
}
