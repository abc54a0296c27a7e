using Microsoft.Playwright;

namespace Inspection.CloudInference.Tests.Infrastructure.Browser;

/// <summary>
/// The cloud's pages in a real browser: Debian's chromium (installed by test.sh, never a downloaded one) driven by
/// Playwright, signed in through the sign-in form like a person. One browser per instance; dispose it.
/// </summary>
public sealed class OperatorBrowser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private const float WaitLimitMilliseconds = 60_000;

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private OperatorBrowser(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
    }

    public IPage Page { get; }

    public static async Task<OperatorBrowser> LaunchAsync()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: run ./test.sh, which installs the Debian package chromium.");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath, Headless = true });
            var page = await browser.NewPageAsync();

            // Playwright's 30 s is a guard against a page that never comes, not a speed the page must reach: a whole
            // test run shares two cores with a browser per test class, so the guard is wider here.
            page.SetDefaultTimeout(WaitLimitMilliseconds);
            page.SetDefaultNavigationTimeout(WaitLimitMilliseconds);
            return new OperatorBrowser(playwright, browser, page);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>Opens <paramref name="baseUri"/> (sent on to the sign-in form), signs in and waits for the operator page.</summary>
    public async Task SignInAsync(Uri baseUri, string name, string password)
    {
        try
        {
            await SignInOnceAsync(baseUri, name, password);
        }
        catch (TimeoutException ex)
        {
            // Where the page stood and what it said: a timeout alone does not tell which step never came.
            var said = await Page.EvaluateAsync<string>("() => document.getElementById('error')?.textContent ?? '(no #error on this page)'");
            throw new TimeoutException($"sign-in as '{name}' stalled on {Page.Url} (#error: '{said}'): {ex.Message}", ex);
        }
    }

    private async Task SignInOnceAsync(Uri baseUri, string name, string password)
    {
        await Page.GotoAsync(baseUri.ToString());
        await Page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/signin");
        await SubmitSignInAsync(name, password);

        // Signed in, the page moves on to "/"; refused, it stays and says why: wait for either, so a refusal fails
        // with the page's own words instead of a navigation timeout.
        var home = Page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");
        var refused = Page.Locator("#error").Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex(".") }).WaitForAsync();
        var first = await Task.WhenAny(home, refused);
        _ = (first == home ? refused : home).ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
        if (first == refused && await refused.ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default))
        {
            throw new InvalidOperationException($"sign-in as '{name}' was refused on {Page.Url}: {await Page.TextContentAsync("#error")}");
        }

        await home;
    }

    /// <summary>Fills and sends the sign-in form on the current page.</summary>
    public async Task SubmitSignInAsync(string name, string password)
    {
        await Page.FillAsync("#name", name);
        await Page.FillAsync("#password", password);
        await Page.ClickAsync("#submit");
    }

    /// <summary>Waits until the operator page has shown the API's answers at least once; returns its DOM.</summary>
    public async Task<string> RefreshedPageAsync()
    {
        await Page.WaitForFunctionAsync("() => document.getElementById('status').textContent.startsWith('Updated')");
        return await Page.ContentAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
