using Inspection.CloudInference.Tests.Infrastructure.Browser;
using Inspection.EndToEnd.Tests.Infrastructure;

namespace Inspection.EndToEnd.Tests;

/// <summary>The operator page as a browser renders it: Debian's chromium driven by Playwright, signed in through the form.</summary>
public sealed class OperatorPageTests
{
    [Fact]
    public async Task OperatorPage_InHeadlessChromium_ListsDeviceAndEscalations()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var system = new InspectionSystem();
        var video = system.RenderLine(seed: 9, frames: 90);
        var cloud = await system.StartCloudAsync(embeddedBroker: true, ct);
        var edge = system.StartEdge("e2e-page", video, loop: false, maxFps: 0, "--Decision:Lower=0.2", "--Decision:Upper=0.98");
        await Eventually.WaitAsync(
            "the device reported and an escalation stored",
            async c => (Device: await system.Api.FindDeviceAsync("e2e-page", c), Keys: await system.Api.EscalationKeysAsync(c)),
            o => o.Device is not null && o.Keys.Count > 0,
            TimeSpan.FromSeconds(90),
            ct,
            cloud,
            edge);

        await using var browser = await OperatorBrowser.LaunchAsync();
        await browser.SignInAsync(new Uri($"{system.Api.BaseUrl}/"), InspectionSystem.AdminName, InspectionSystem.AdminPassword);
        var dom = await browser.RefreshedPageAsync();

        Assert.Contains("e2e-page", dom);
        Assert.Contains("/api/escalations/e2e-page/", dom);
    }
}
