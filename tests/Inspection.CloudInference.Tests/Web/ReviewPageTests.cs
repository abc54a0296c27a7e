using System.Net.Http.Json;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Review;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.CloudInference.Tests.Infrastructure.Browser;
using Microsoft.Playwright;
using OpenCvSharp;

namespace Inspection.CloudInference.Tests.Web;

/// <summary>The review workspace in a real browser (Playwright driving Debian's chromium) against the real cloud.</summary>
public sealed class ReviewPageTests : IDisposable
{
    // A 640×480 frame is drawn 1.5 times as large (960×720).
    private const double Scale = 1.5;

    private static readonly (int R, int G, int B) Cloud = (255, 0, 255);
    private static readonly (int R, int G, int B) Edge = (0, 120, 255);
    private static readonly (int R, int G, int B) Fixed = (0, 200, 0);

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ReviewPage_NotSignedIn_GoesToTheSignInForm()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await using var browser = await OperatorBrowser.LaunchAsync();

        await browser.Page.GotoAsync(new Uri(cloud.ApiUri, "review").ToString());

        Assert.Equal("/signin", new Uri(browser.Page.Url).AbsolutePath);
    }

    [Fact]
    public async Task ReviewPage_Item_BoxesAreDrawnWhereTheDetectionsAreAndToggleWithTheirKeys()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.55, 100, 100, 300, 250)], edgeBoxes: [ReviewItems.Box(0.4, 400, 280, 560, 440)]);
        await using var browser = await OpenAsync(cloud, "alice");
        await WaitShowsAsync(browser, "cam-1/1#11");

        using var both = await CanvasAsync(browser);
        await browser.Page.Keyboard.PressAsync("c");
        using var edgeOnly = await CanvasAsync(browser);
        await browser.Page.Keyboard.PressAsync("e");
        using var none = await CanvasAsync(browser);

        Assert.Equal((960, 720), (both.Width, both.Height));
        Assert.All(EdgePoints(100, 100, 300, 250), p => Assert.True(Near(both, p, Cloud), $"no cloud box colour at {p}"));
        Assert.All(EdgePoints(400, 280, 560, 440), p => Assert.True(Near(both, p, Edge), $"no edge box colour at {p}"));
        Assert.Equal(0, Count(both, Cloud, new Rect(160, 190, 280, 160)));
        Assert.Equal(0, Count(both, Cloud, new Rect(480, 0, 480, 400)));
        Assert.Equal(0, Count(both, Cloud, new Rect(0, 400, 960, 320)));
        Assert.Equal(0, Count(both, Edge, new Rect(0, 0, 560, 720)));
        Assert.Equal(0, Count(edgeOnly, Cloud, new Rect(0, 0, 960, 720)));
        Assert.All(EdgePoints(400, 280, 560, 440), p => Assert.True(Near(edgeOnly, p, Edge), $"no edge box colour at {p}"));
        Assert.Equal(0, Count(none, Edge, new Rect(0, 0, 960, 720)));
    }

    [Fact]
    public async Task ReviewPage_AcceptKey_StoresTheReviewAndLoadsTheNextItemWithoutAReload()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.55, 100, 100, 300, 250)]);
        ReviewItems.AddPart(cloud, "cam-1", 2, [ReviewItems.Box(0.50, 100, 100, 300, 250)]);
        await using var browser = await OpenAsync(cloud, "alice");
        await WaitShowsAsync(browser, "cam-1/1#11");
        await browser.Page.EvaluateAsync("() => { window.notReloaded = true; }");

        // One keystroke: the item is accepted and the next one is on the canvas.
        await browser.Page.Keyboard.PressAsync("a");
        await WaitShowsAsync(browser, "cam-1/2#12");

        Assert.True(await browser.Page.EvaluateAsync<bool>("() => window.notReloaded === true"));
        var reviewed = await ItemAsync(cloud, "cam-1/1");
        Assert.Equal(("accept", "alice"), (reviewed.Review!.Action, reviewed.Review.Reviewer));
        Assert.Equal(100, Assert.Single(Assert.Single(reviewed.Review.Frames).Boxes).X1);

        await browser.Page.ReloadAsync();
        await WaitShowsAsync(browser, "cam-1/2#12");
        Assert.Equal("waiting 1, leased now 1", await CountsAsync(browser));
        Assert.Equal(0, await browser.Page.Locator("#queue tr[data-key='cam-1/1']").CountAsync());
    }

    [Fact]
    public async Task ReviewPage_FixByDraggingABox_StoresTheMovedBoxAndShowsItAfterAReload()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.55, 100, 100, 300, 250)]);
        await using var browser = await OpenAsync(cloud, "alice");
        await WaitShowsAsync(browser, "cam-1/1#11");
        var canvas = (await browser.Page.Locator("#frame").BoundingBoxAsync())!;

        await browser.Page.Keyboard.PressAsync("f");
        // From the box's middle, 60 px right and 30 px down on the screen: 40 and 20 px of the frame.
        await browser.Page.Mouse.MoveAsync(canvas.X + 300, canvas.Y + 262);
        await browser.Page.Mouse.DownAsync();
        await browser.Page.Mouse.MoveAsync(canvas.X + 360, canvas.Y + 292, new() { Steps = 6 });
        await browser.Page.Mouse.UpAsync();
        await browser.Page.Keyboard.PressAsync("Enter");
        await browser.Page.WaitForFunctionAsync("() => document.getElementById('message').textContent.startsWith('Nothing waits')");

        var reviewed = await ItemAsync(cloud, "cam-1/1");
        Assert.Equal("fix", reviewed.Review!.Action);
        var box = Assert.Single(Assert.Single(reviewed.Review.Frames).Boxes);
        Assert.Equal((140.0, 120.0, 340.0, 270.0), (Math.Round(box.X1), Math.Round(box.Y1), Math.Round(box.X2), Math.Round(box.Y2)));

        await browser.Page.GotoAsync(new Uri(cloud.ApiUri, "review#cam-1/1").ToString());
        await browser.Page.ReloadAsync();
        await WaitShowsAsync(browser, "cam-1/1#11");
        using var shown = await CanvasAsync(browser);
        Assert.All(EdgePoints(140, 120, 340, 270), p => Assert.True(Near(shown, p, Fixed), $"no fixed box colour at {p}"));
        Assert.Contains("fix (defect) by alice", await browser.Page.TextContentAsync("#info"));
        Assert.True(await browser.Page.IsDisabledAsync("#accept"));
    }

    [Fact]
    public async Task ReviewPage_FixDrawResizeAndDelete_StoresOnlyTheBoxesLeft()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.55, 100, 100, 300, 250)]);
        await using var browser = await OpenAsync(cloud, "alice");
        await WaitShowsAsync(browser, "cam-1/1#11");
        var canvas = (await browser.Page.Locator("#frame").BoundingBoxAsync())!;
        var mouse = browser.Page.Mouse;
        async Task DragAsync(float fromX, float fromY, float toX, float toY)
        {
            await mouse.MoveAsync(canvas.X + fromX, canvas.Y + fromY);
            await mouse.DownAsync();
            await mouse.MoveAsync(canvas.X + toX, canvas.Y + toY, new() { Steps = 5 });
            await mouse.UpAsync();
        }

        await browser.Page.Keyboard.PressAsync("f");
        await DragAsync(600, 450, 750, 600);    // a new box on empty space: (400, 300)-(500, 400) in the frame
        await DragAsync(300, 262, 300, 262);    // selects the cloud's box
        await browser.Page.Keyboard.PressAsync("Delete");
        await DragAsync(675, 525, 675, 525);    // selects the new box
        await DragAsync(750, 600, 780, 630);    // its lower right corner 20 px further
        await browser.Page.Keyboard.PressAsync("1");
        await browser.Page.Keyboard.PressAsync("Enter");
        await browser.Page.WaitForFunctionAsync("() => document.getElementById('message').textContent.startsWith('Nothing waits')");

        var box = Assert.Single(Assert.Single((await ItemAsync(cloud, "cam-1/1")).Review!.Frames).Boxes);
        Assert.Equal((400.0, 300.0, 520.0, 420.0, 0), (Math.Round(box.X1), Math.Round(box.Y1), Math.Round(box.X2), Math.Round(box.Y2), box.ClassId));
    }

    [Fact]
    public async Task ReviewPage_AuditOfALineReviewedWhole_ShowsWhatTheEdgeDecidedInTheQueueAndTheItem()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path, ["--Cloud:Review:AllOnLines:0=line-1"]);
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.95, 100, 100, 300, 250)], verdict: "defect", edgeAudit: "pass");
        await using var browser = await OpenAsync(cloud, "alice");
        await WaitShowsAsync(browser, "cam-1/1#11");

        Assert.Contains("part cam-1/1 — audit (edge decided: pass)", await browser.Page.TextContentAsync("#queue"), StringComparison.Ordinal);
        Assert.Contains("auditaudit (edge decided: pass); the line acted on that", await browser.Page.TextContentAsync("#info"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReviewPage_RejectWithATag_PersistsAcrossAReload()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.55, 100, 100, 300, 250)]);
        await using var browser = await OpenAsync(cloud, "alice");
        await WaitShowsAsync(browser, "cam-1/1#11");

        await browser.Page.CheckAsync("#tags input[value='glare']");
        await browser.Page.Keyboard.PressAsync("r");
        await browser.Page.WaitForFunctionAsync("() => document.getElementById('message').textContent.startsWith('Nothing waits')");
        await browser.Page.ReloadAsync();
        await browser.Page.WaitForFunctionAsync("() => document.body.dataset.ready === 'true'");

        var reviewed = await ItemAsync(cloud, "cam-1/1");
        Assert.Equal(("reject", "pass", "glare"), (reviewed.Review!.Action, reviewed.Review.Verdict, Assert.Single(reviewed.Review.Tags)));
        Assert.Empty(Assert.Single(reviewed.Review.Frames).Boxes);
        Assert.Equal("waiting 0, leased now 0", await CountsAsync(browser));
    }

    [Fact]
    public async Task ReviewPage_Operator_EngineerActionsHiddenAndRefused()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.55, 100, 100, 300, 250)]);
        await using var browser = await OpenAsync(cloud, "olga");
        await WaitShowsAsync(browser, "cam-1/1#11");
        await browser.Page.Keyboard.PressAsync("a");
        await browser.Page.WaitForFunctionAsync("() => document.getElementById('message').textContent.startsWith('Nothing waits')");

        var statuses = await browser.Page.EvaluateAsync<int[]>(
            "async () => [(await api('/api/review/export')).status, (await api('/api/review/items/cam-1/1/reopen', 'POST')).status]");

        Assert.False(await browser.Page.IsVisibleAsync("#export"));
        Assert.False(await browser.Page.IsVisibleAsync("#reopen"));
        Assert.Equal([403, 403], statuses);
        Assert.Equal("accept", (await ItemAsync(cloud, "cam-1/1")).Review!.Action);

        await using var engineer = await OpenAsync(cloud, "erin", AccountRoles.Engineer);
        Assert.True(await engineer.Page.IsVisibleAsync("#export"));
        Assert.True(await engineer.Page.IsVisibleAsync("#reopen"));
    }

    [Fact]
    public async Task ReviewPage_TwoOperators_NeverGetTheSameItem()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.55, 100, 100, 300, 250)]);
        ReviewItems.AddPart(cloud, "cam-1", 2, [ReviewItems.Box(0.55, 100, 100, 300, 250)]);
        ReviewItems.AddPart(cloud, "cam-1", 3, [ReviewItems.Box(0.55, 100, 100, 300, 250)]);
        await using var alice = await OpenAsync(cloud, "alice");
        await WaitShowsAsync(alice, "cam-1/1#11");
        await using var bob = await OpenAsync(cloud, "bob");
        await WaitShowsAsync(bob, "cam-1/2#12");

        await alice.Page.Keyboard.PressAsync("a");
        await WaitShowsAsync(alice, "cam-1/3#13");
        await bob.Page.Keyboard.PressAsync("a");
        await bob.Page.WaitForFunctionAsync("() => document.getElementById('message').textContent.startsWith('Nothing waits')");

        Assert.Equal("alice", (await ItemAsync(cloud, "cam-1/1")).Review!.Reviewer);
        Assert.Equal("bob", (await ItemAsync(cloud, "cam-1/2")).Review!.Reviewer);
        Assert.Equal("alice", (await ItemAsync(cloud, "cam-1/3")).Lease!.Holder);
    }

    [Fact]
    public async Task ReviewPage_NextAndPreviousKeys_MoveThroughTheQueueAndFreeTheLeaseLeftBehind()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.55, 100, 100, 300, 250)]);
        ReviewItems.AddPart(cloud, "cam-1", 2, [ReviewItems.Box(0.50, 100, 100, 300, 250)]);
        await using var browser = await OpenAsync(cloud, "alice");
        await WaitShowsAsync(browser, "cam-1/1#11");

        await browser.Page.Keyboard.PressAsync("j");
        await WaitShowsAsync(browser, "cam-1/2#12");
        var first = await ItemAsync(cloud, "cam-1/1");
        await browser.Page.Keyboard.PressAsync("k");
        await WaitShowsAsync(browser, "cam-1/1#11");

        Assert.Null(first.Lease);
        Assert.Null((await ItemAsync(cloud, "cam-1/2")).Lease);
        Assert.Equal("alice", (await ItemAsync(cloud, "cam-1/1")).Lease!.Holder);
    }

    [Fact]
    public async Task ReviewPage_Dashboard_DrawsAChartPerLine()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var now = DateTimeOffset.UtcNow;
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.55, 100, 100, 300, 250)], line: "line-a", receivedAt: now);
        ReviewItems.AddPart(cloud, "cam-2", 2, [ReviewItems.Box(0.9, 100, 100, 300, 250)], line: "line-b", receivedAt: now, verdict: "defect");
        await using var browser = await OpenAsync(cloud, "alice");

        await browser.Page.WaitForFunctionAsync("() => document.querySelectorAll('#d-charts canvas').length === 2");

        Assert.Equal(["line-a", "line-b"], await browser.Page.EvalOnSelectorAllAsync<string[]>("#d-charts canvas", "cs => cs.map(c => c.dataset.line)"));
        Assert.Contains("cannot be computed", await browser.Page.TextContentAsync("#d-note"));
    }

    private static async Task<OperatorBrowser> OpenAsync(TestCloud cloud, string name, string role = AccountRoles.Operator)
    {
        cloud.TokenFor(name, role);
        var browser = await OperatorBrowser.LaunchAsync();
        try
        {
            await browser.Page.SetViewportSizeAsync(1700, 1300);
            await browser.SignInAsync(cloud.ApiUri, name, TestCloud.Password);
            await browser.Page.GotoAsync(new Uri(cloud.ApiUri, "review").ToString());
            await browser.Page.WaitForFunctionAsync("() => document.body.dataset.ready === 'true'");
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    private static Task WaitShowsAsync(OperatorBrowser browser, string shows) =>
        browser.Page.WaitForFunctionAsync($"() => document.getElementById('frame').dataset.shows === '{shows}'");

    // The page shows the item first and fills the queue's counts after it: wait for them before reading.
    private static async Task<string?> CountsAsync(OperatorBrowser browser)
    {
        await browser.Page.WaitForFunctionAsync("() => document.getElementById('counts').textContent !== ''");
        return await browser.Page.TextContentAsync("#counts");
    }

    private static async Task<ReviewItem> ItemAsync(TestCloud cloud, string key) =>
        (await cloud.Http.GetFromJsonAsync<ReviewItem>($"api/review/items/{key}", TestContext.Current.CancellationToken))!;

    private static async Task<Mat> CanvasAsync(OperatorBrowser browser)
    {
        // The canvas's own pixels: its box on the page, at the size it was drawn.
        var box = await browser.Page.EvaluateAsync<double[]>(
            "() => { const c = document.getElementById('frame'), r = c.getBoundingClientRect(); return [r.left + scrollX, r.top + scrollY, c.width, c.height]; }");
        var png = await browser.Page.ScreenshotAsync(new()
        {
            Type = ScreenshotType.Png,
            FullPage = true,
            Clip = new Clip { X = (float)Math.Round(box[0]), Y = (float)Math.Round(box[1]), Width = (float)box[2], Height = (float)box[3] },
        });
        return Cv2.ImDecode(png, ImreadModes.Color);
    }

    // The middle of each side of a box given in frame pixels, in canvas pixels.
    private static List<Point> EdgePoints(double x1, double y1, double x2, double y2)
    {
        int l = (int)(x1 * Scale), t = (int)(y1 * Scale), r = (int)(x2 * Scale), b = (int)(y2 * Scale);
        return [new((l + r) / 2, t), new((l + r) / 2, b), new(l, (t + b) / 2), new(r, (t + b) / 2)];
    }

    private static bool Near(Mat image, Point at, (int R, int G, int B) colour)
    {
        for (var dy = -1; dy <= 1; dy++)
        {
            for (var dx = -1; dx <= 1; dx++)
            {
                if (Is(image.At<Vec3b>(at.Y + dy, at.X + dx), colour))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static int Count(Mat image, (int R, int G, int B) colour, Rect area)
    {
        int count = 0, bottom = Math.Min(area.Bottom, image.Height), right = Math.Min(area.Right, image.Width);
        for (var y = area.Top; y < bottom; y++)
        {
            for (var x = area.Left; x < right; x++)
            {
                count += Is(image.At<Vec3b>(y, x), colour) ? 1 : 0;
            }
        }

        return count;
    }

    // OpenCV decodes to BGR.
    private static bool Is(Vec3b pixel, (int R, int G, int B) colour) =>
        Math.Abs(pixel.Item2 - colour.R) < 50 && Math.Abs(pixel.Item1 - colour.G) < 50 && Math.Abs(pixel.Item0 - colour.B) < 50;
}
