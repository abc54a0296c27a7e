using Inspection.CloudInference.Tests.Fleet;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.CloudInference.Tests.Infrastructure.Browser;
using Inspection.Contracts.Api;
using static Inspection.CloudInference.Tests.Review.ReviewVerdictDeliveryTests;

namespace Inspection.CloudInference.Tests.Web;

/// <summary>Reviewed verdict delivery in the operator page's fleet table, rendered by headless Chromium against the real app.</summary>
public sealed class OperatorPageVerdictsTests : IDisposable
{
    private const string OlderAgent = "cam-old";
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Page_ADeviceThatConfirmsAndAnOlderAgent_UpToDateAndDoesNotConfirmWithWhatToDo()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await FleetApiTests.WaitForBrokerAsync(cloud);
        await using var device = await StartDeviceAsync(_directory.Path, cloud.BrokerPort);
        await using var older = await ScriptedDevice.StartAsync(cloud.BrokerPort, OlderAgent);
        await FleetApiTests.PollFleetAsync(cloud, f => f.Devices.Count(d => d.Reported is not null) == 2);

        await SinkOf(cloud).OnReviewedAsync(Reviewed(42, "accept"), cancellationToken);
        await SinkOf(cloud).OnReviewedAsync(Reviewed(7, "fix") with { DeviceId = OlderAgent, EscalationKey = $"{OlderAgent}/7" }, cancellationToken);
        await FleetApiTests.PollFleetAsync(cloud, f =>
            f.Devices.Single(d => d.DeviceId == DeviceId).Verdicts?.State == VerdictDeliveryStates.UpToDate
            && f.Devices.Single(d => d.DeviceId == OlderAgent).Verdicts?.State == VerdictDeliveryStates.DeviceDoesNotConfirm);

        await using var browser = await OperatorBrowser.LaunchAsync();
        await browser.SignInAsync(cloud.ApiUri, TestCloud.AdminName, TestCloud.Password);
        var dom = await browser.RefreshedPageAsync();

        Assert.Contains("<th>Line review backlog (oldest waiting)</th><th>Reviewed verdicts to the device</th>", dom);
        Assert.Matches(
            $@"<td>{DeviceId}</td>(<td[^>]*>[^<]*</td>){{13}}<td class=""verdicts"" title=""The device holds every reviewed verdict."">up to date: 1 confirmed \(through #1\)</td>",
            dom);
        Assert.Matches(
            $@"<td>{OlderAgent}</td>(<td[^>]*>[^<]*</td>){{13}}<td class=""verdicts stuck"" title=""[^""]*Update the agent."">device does not confirm: 1 sent, 0 confirmed, oldest \d+s</td>",
            dom);
    }
}
