using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Accounts;

/// <summary>
/// Sign-in for the page (a cookie, with an antiforgery token on every change) and for the CLI and scripts (an API token
/// as <c>Authorization: Bearer</c>); one scheme picks the token when the header is there, else the cookie.
/// </summary>
public static class AccountsExtensions
{
    /// <summary>The scheme every endpoint authenticates with: it forwards to the bearer token or the cookie.</summary>
    public const string Scheme = "Account";

    public const string CookieName = "inspection.session";

    /// <summary>The header a cookie-signed-in change carries its antiforgery token in.</summary>
    public const string AntiforgeryHeader = "X-CSRF-TOKEN";

    public static IServiceCollection AddAccounts(this IServiceCollection services)
    {
        // The table (LiteDB file or shared PostgreSQL) is registered with the cloud's storage provider.
        services.AddSingleton(static sp => new AccountStore(
            sp.GetRequiredService<IAccountTable>(),
            sp.GetRequiredService<IOptions<AccountOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<AccountStore>>()));
        services.AddSingleton<SignInThrottle>();
        services.AddAntiforgery(options =>
        {
            options.HeaderName = AntiforgeryHeader;
            options.Cookie.Name = "inspection.antiforgery";
        });
        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "Cookie or API token", options =>
                options.ForwardDefaultSelector = static context =>
                    BearerTokenHandler.HasBearer(context.Request) ? BearerTokenHandler.SchemeName : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, null)
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme);
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<AccountOptions>>(static (cookie, accounts) => ConfigureCookie(cookie, accounts.Value));
        services.AddOptions<AntiforgeryOptions>()
            .Configure<IOptions<AccountOptions>>(static (antiforgery, accounts) =>
                antiforgery.Cookie.SecurePolicy = accounts.Value.SecureCookie ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest);
        services.AddAuthorization(AccessPolicies.Add);
        return services;
    }

    /// <summary>Authentication, then the antiforgery check of cookie-signed-in changes, then authorization.</summary>
    public static WebApplication UseAccounts(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseAuthentication();
        app.Use(static async (context, next) =>
        {
            if (NeedsAntiforgery(context))
            {
                var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
                try
                {
                    await antiforgery.ValidateRequestAsync(context).ConfigureAwait(false);
                }
                catch (AntiforgeryValidationException)
                {
                    await AccessAnswers.WriteAsync(context, StatusCodes.Status400BadRequest,
                        $"the request has no valid antiforgery token: a change made with the page's sign-in must carry the token of GET /api/session in the {AntiforgeryHeader} header (reload the page)").ConfigureAwait(false);
                    return;
                }
            }

            await next(context).ConfigureAwait(false);
        });
        app.UseAuthorization();
        return app;
    }

    // A change to the API by a browser signed in with the cookie: the cookie goes along with any site's request, the token
    // only with the page's. A bearer token is never sent by a browser on its own, and signing in has no cookie yet.
    private static bool NeedsAntiforgery(HttpContext context)
    {
        var request = context.Request;
        return !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method))
            && request.Path.StartsWithSegments("/api", StringComparison.Ordinal)
            && !(HttpMethods.IsPost(request.Method) && request.Path.Equals(AccountApiExtensions.SessionPath, StringComparison.Ordinal))
            && !BearerTokenHandler.HasBearer(request)
            && context.User.Identity?.IsAuthenticated == true;
    }

    private static void ConfigureCookie(CookieAuthenticationOptions cookie, AccountOptions accounts)
    {
        cookie.Cookie.Name = CookieName;
        cookie.Cookie.HttpOnly = true;
        cookie.Cookie.SameSite = SameSiteMode.Strict;
        cookie.Cookie.SecurePolicy = accounts.SecureCookie ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        cookie.ExpireTimeSpan = TimeSpan.FromMinutes(accounts.CookieMinutes);
        cookie.SlidingExpiration = true;
        cookie.LoginPath = AccountApiExtensions.SignInPath;
        cookie.Events = new CookieAuthenticationEvents
        {
            // The API answers with a status and a JSON error; only the page is sent to the sign-in form.
            OnRedirectToLogin = static context => IsApi(context.Request)
                ? AccessAnswers.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized, AccessAnswers.NotSignedIn)
                : Redirect(context),
            OnRedirectToAccessDenied = static context =>
                AccessAnswers.WriteAsync(context.HttpContext, StatusCodes.Status403Forbidden, AccessAnswers.Forbidden(context.HttpContext)),

            // Checked on every request: a disabled account, a new role or a reset password ends the sign-ins made before.
            OnValidatePrincipal = static async context =>
            {
                var store = context.HttpContext.RequestServices.GetRequiredService<AccountStore>();
                var id = context.Principal?.Id();
                var stamp = context.Principal?.FindFirst(AccountClaims.Stamp)?.Value;
                if (id is null || stamp is null || !IsCurrent(store, id, stamp))
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
                }
            },
        };
    }

    private static bool IsCurrent(AccountStore store, string id, string stamp)
    {
        try
        {
            return store.Current(id, stamp) is not null;
        }
        catch (Exception ex) when (ex is LiteDB.LiteException or IOException or System.Data.Common.DbException or TimeoutException)
        {
            // A store that cannot be read signs nobody in, and must not fail requests that need no sign-in.
            return false;
        }
    }

    private static bool IsApi(HttpRequest request) =>
        request.Path.StartsWithSegments("/api", StringComparison.Ordinal) || request.HttpContext.GetEndpoint()?.Metadata.GetMetadata<NoSignInPage>() is not null;

    private static Task Redirect(RedirectContext<CookieAuthenticationOptions> context)
    {
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}
