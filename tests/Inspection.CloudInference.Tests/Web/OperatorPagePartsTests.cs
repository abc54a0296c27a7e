using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.CloudInference.Tests.Infrastructure.Browser;
using Inspection.Contracts.Api;
using Inspection.Contracts.Mqtt;

namespace Inspection.CloudInference.Tests.Web;

/// <summary>Parts on the operator page, rendered by headless Chromium against the real app, signed in as an admin.</summary>
public sealed partial class OperatorPagePartsTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Page_APartAndAFrameEscalated_ListsThePartOnceWithEveryFrameAndCountsParts()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await cloud.EscalateAsync(
            TestFrames.Part("cam-p", 100, TestFrames.UncertainGrey, TestFrames.PassGrey, TestFrames.PassGrey),
            TestFrames.Part("cam-p", 200, TestFrames.PassGrey, TestFrames.DefectGrey),
            TestFrames.Request("cam-p", 7, TestFrames.DefectGrey));

        await using var browser = await OperatorBrowser.LaunchAsync();
        await browser.SignInAsync(cloud.ApiUri, TestCloud.AdminName, TestCloud.Password);
        var dom = await browser.RefreshedPageAsync();

        Assert.Single(Regex.Matches(dom, Regex.Escape("part 100 of cam-p, 3 frames (of 9 seen)")));
        Assert.Single(Regex.Matches(dom, Regex.Escape("part 200 of cam-p, 2 frames (of 9 seen)")));
        foreach (var frame in new[] { 110, 111, 112 })
        {
            Assert.Contains($"/api/escalations/cam-p/100/frames/{frame}/image", dom);
        }

        Assert.Contains("#111 pass", dom);
        Assert.Contains("uncertain (review)", dom);
        Assert.Contains(">cam-p/7<", dom);
        Assert.Contains("parts: stored 2, passed 0, rejected 1, left to review 1", dom);
        Assert.Contains("frames: stored 1, pass 0, defect 1, review 0", dom);
        Assert.Equal(3, EscalationRows().Matches(dom).Count);
    }

    [Fact]
    public async Task Page_DevicesWithAndWithoutParts_FleetShowsPartCountersOrBlankAndTheLineBacklog()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await using (var device = await TestMqttClient.ConnectAsync(cloud.BrokerPort))
        {
            var parts = TestDevices.Reported("cam-parts");
            parts = parts with { Stats = parts.Stats with { Parts = new PartStats("tracker", Passed: 41, Rejected: 3, Uncertain: 2, Escalated: 1, InView: 1) } };
            await device.PublishAsync(MqttTopics.Reported("cam-parts"), MqttPayloads.Serialize(parts));
            await device.PublishAsync(MqttTopics.Reported("cam-frames"), MqttPayloads.Serialize(TestDevices.Reported("cam-frames")));
        }

        await Eventually.WaitAsync(
            "both devices in the fleet view",
            async c => await cloud.Http.GetFromJsonAsync<FleetSnapshot>("api/fleet", c),
            f => f!.Devices.Count(d => d.Reported is not null) == 2,
            Eventually.DefaultTimeout,
            cancellationToken);

        // One item of line-1 has waited two hours for a review.
        ReviewItems.AddPart(cloud, "cam-parts", 5, [ReviewItems.Box(0.55, 1, 1, 9, 9)], receivedAt: DateTimeOffset.UtcNow.AddHours(-2).AddMinutes(-1));
        await using var browser = await OperatorBrowser.LaunchAsync();
        await browser.SignInAsync(cloud.ApiUri, TestCloud.AdminName, TestCloud.Password);
        var dom = await browser.RefreshedPageAsync();

        Assert.Contains("<th>Parts pass / rejected / uncertain / escalated</th>", dom);
        Assert.Matches(@"<td>cam-parts</td>(<td[^>]*>[^<]*</td>){11}<td>41 / 3 / 2 / 1 \(tracker\)</td><td class=""lag"">1 \(2h \d+m\)</td>", dom);
        Assert.Matches(@"<td>cam-frames</td>(<td[^>]*>[^<]*</td>){11}<td></td>", dom);
    }

    [GeneratedRegex("<tr class=\"(part|frame)\">")]
    private static partial Regex EscalationRows();
}
