using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Tests.Infrastructure;

/// <summary>
/// Who a request comes from, for API tests that need an account but are not about signing in: the header
/// <see cref="Header"/> names the account. Registered by <see cref="Use"/> on a test cloud only.
/// </summary>
public sealed class TestAccounts : AuthenticationHandler<AuthenticationSchemeOptions>
{
    public const string SchemeName = "test-account";
    public const string Header = "X-Test-Account";

    public TestAccounts(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : base(options, logger, encoder)
    {
    }

    public static void Use(WebApplicationBuilder builder) =>
        builder.Services.AddAuthentication(SchemeName).AddScheme<AuthenticationSchemeOptions, TestAccounts>(SchemeName, null);

    /// <summary>A client of <paramref name="cloud"/> acting as <paramref name="account"/>.</summary>
    public static HttpClient Client(TestCloud cloud, string account)
    {
        var client = new HttpClient { BaseAddress = cloud.ApiUri };
        client.DefaultRequestHeaders.Add(Header, account);
        return client;
    }

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers[Header] is not { Count: 1 } account || string.IsNullOrEmpty(account))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, account.ToString())], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
