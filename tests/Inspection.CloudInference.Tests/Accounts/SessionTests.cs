using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Storage;
using Inspection.CloudInference.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Inspection.CloudInference.Tests.Accounts;

/// <summary>The page's sign-in: a cookie, an antiforgery token for changes, and the stored form of secrets.</summary>
public sealed class SessionTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task SignIn_WrongPasswordOrUnknownName_401WithTheSameMessage()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        using var browser = Browser(cloud);

        using var wrongPassword = await browser.PostAsJsonAsync("api/session", new { name = TestCloud.AdminName, password = "not-the-password" }, TestContext.Current.CancellationToken);
        using var unknownName = await browser.PostAsJsonAsync("api/session", new { name = "nobody", password = TestCloud.Password }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknownName.StatusCode);
        var first = await wrongPassword.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(first, await unknownName.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Contains(AccountApiExtensions.SignInRefused, first);
        Assert.False(wrongPassword.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task Change_CookieWithoutAntiforgeryToken_RefusedAndWithTheTokenAllowed()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        cloud.TokenFor("eng", AccountRoles.Engineer);
        using var browser = Browser(cloud);
        using (var signIn = await browser.PostAsJsonAsync("api/session", new { name = "eng", password = TestCloud.Password }, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        }

        var session = await browser.GetFromJsonAsync<JsonElement>("api/session", cancellationToken);
        Assert.Equal("engineer", session.GetProperty("role").GetString());

        using var without = await browser.PutAsJsonAsync("api/devices/cam-1/desired-mode", new { mode = "local-only" }, cancellationToken);
        using var forged = new HttpRequestMessage(HttpMethod.Put, "api/devices/cam-1/desired-mode") { Content = JsonContent.Create(new { mode = "local-only" }) };
        forged.Headers.Add(AccountsExtensions.AntiforgeryHeader, "made-up");
        using var forgedAnswer = await browser.SendAsync(forged, cancellationToken);
        using var with = new HttpRequestMessage(HttpMethod.Put, "api/devices/cam-1/desired-mode") { Content = JsonContent.Create(new { mode = "local-only" }) };
        with.Headers.Add(session.GetProperty("antiforgeryHeader").GetString()!, session.GetProperty("antiforgeryToken").GetString());
        using var withAnswer = await browser.SendAsync(with, cancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, without.StatusCode);
        Assert.Contains("antiforgery", await without.Content.ReadAsStringAsync(cancellationToken));
        Assert.Equal(HttpStatusCode.BadRequest, forgedAnswer.StatusCode);
        Assert.True(withAnswer.IsSuccessStatusCode, $"with the token: {(int)withAnswer.StatusCode} {await withAnswer.Content.ReadAsStringAsync(cancellationToken)}");
    }

    [Fact]
    public async Task Cookie_AccountDisabledAfterSignIn_Refused()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        cloud.TokenFor("op", AccountRoles.Operator);
        using var browser = Browser(cloud);
        using (await browser.PostAsJsonAsync("api/session", new { name = "op", password = TestCloud.Password }, cancellationToken))
        {
        }

        using var before = await browser.GetAsync("api/fleet", cancellationToken);
        cloud.Accounts.Disable("op", "test");
        using var after = await browser.GetAsync("api/fleet", cancellationToken);
        using var again = await browser.PostAsJsonAsync("api/session", new { name = "op", password = TestCloud.Password }, cancellationToken);

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
    }

    [Fact]
    public async Task Page_NotSignedIn_RedirectsToSignInWhileTheApiAnswers401()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        using var browser = Browser(cloud);

        using var page = await browser.GetAsync("/", TestContext.Current.CancellationToken);
        using var api = await browser.GetAsync("api/fleet", TestContext.Current.CancellationToken);
        using var signIn = await browser.GetAsync("signin", TestContext.Current.CancellationToken);
        using var health = await browser.GetAsync("healthz", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/signin", page.Headers.Location!.AbsolutePath);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal("application/json", api.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        Assert.Contains("id=\"password\"", await signIn.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.NotEqual(HttpStatusCode.Unauthorized, health.StatusCode);
    }

    [Fact]
    public async Task ModelFiles_NoCredentials_ServedToDevices()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        using var file = await cloud.Anonymous.GetAsync("api/models/1/manifest.json", TestContext.Current.CancellationToken);

        // No release is registered: the file route answers (404), not the sign-in (401).
        Assert.Equal(HttpStatusCode.NotFound, file.StatusCode);
    }

    [Fact]
    public async Task Store_AccountAndToken_KeepsOnlyHashes()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var token = cloud.TokenFor("hashed", AccountRoles.Operator);
        var database = cloud.App.Services.GetRequiredService<CloudDatabase>().Database;

        var account = database.GetCollection("accounts").FindById("hashed");
        var tokens = database.GetCollection("account_tokens").Find(LiteDB.Query.EQ("AccountId", "hashed")).ToList();

        var hash = account["PasswordHash"].AsString;
        Assert.DoesNotContain(TestCloud.Password, account.ToString());
        Assert.NotEqual(PasswordVerificationResult.Failed, new PasswordHasher<StoredAccount>().VerifyHashedPassword(new StoredAccount(), hash, TestCloud.Password));
        var stored = Assert.Single(tokens);
        Assert.DoesNotContain(token, stored.ToString());
        Assert.DoesNotContain(token[AccountStore.TokenPrefix.Length..], stored.ToString());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token))), stored["_id"].AsString);
    }

    // A client that keeps cookies and does not follow redirects, as a browser's fetch sees them.
    private static HttpClient Browser(TestCloud cloud) =>
        new(new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = cloud.ApiUri };
}
