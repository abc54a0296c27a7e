using System.Diagnostics;
using Inspection.EndToEnd.Tests.Infrastructure;

namespace Inspection.EndToEnd.Tests;

/// <summary>The operator page as a browser renders it: headless Chromium (Debian package, installed by test.sh).</summary>
public sealed class OperatorPageTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task OperatorPage_InHeadlessChromium_ListsDeviceAndEscalations()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: run ./test.sh, which installs the Debian package chromium.");
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

        var dom = await DumpDomAsync($"{system.Api.BaseUrl}/", system.Directory, ct);

        Assert.Contains("e2e-page", dom);
        Assert.Contains("/api/escalations/e2e-page/", dom);
    }

    internal static async Task<string> DumpDomAsync(string url, string workDirectory, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(Chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The flags keep Chromium off the network it cannot reach here, and let it run as root.
        foreach (var arg in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     $"--user-data-dir={Path.Combine(workDirectory, "chromium-profile")}",
                     "--virtual-time-budget=8000", "--dump-dom", url,
                 })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var dom = await stdout;
        Assert.True(dom.Length > 0, $"chromium printed no DOM: {await stderr}");
        return dom;
    }
}
