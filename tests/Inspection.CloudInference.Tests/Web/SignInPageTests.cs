using System.Net.Http.Json;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.CloudInference.Tests.Infrastructure.Browser;
using Inspection.Contracts.Api;
using Inspection.Contracts.Mqtt;

namespace Inspection.CloudInference.Tests.Web;

/// <summary>The sign-in form and the roles on the operator page, in a real browser.</summary>
public sealed class SignInPageTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Page_NotSignedIn_BrowserLandsOnTheFormAndAWrongPasswordSaysSo()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await using var browser = await OperatorBrowser.LaunchAsync();

        await browser.Page.GotoAsync(cloud.ApiUri.ToString());
        Assert.Equal("/signin", new Uri(browser.Page.Url).AbsolutePath);
        await browser.SubmitSignInAsync(TestCloud.AdminName, "not-the-password");
        await browser.Page.WaitForFunctionAsync("() => document.getElementById('error').textContent.length > 0");

        Assert.Equal(AccountApiExtensions.SignInRefused, await browser.Page.TextContentAsync("#error"));
        Assert.Equal("/signin", new Uri(browser.Page.Url).AbsolutePath);
    }

    [Fact]
    public async Task Page_Operator_NoCommandButtonsAndTheApiRefusesTheChangeAnyway()
    {
        await using var cloud = await StartWithDeviceAsync();
        cloud.TokenFor("op", AccountRoles.Operator);
        await using var browser = await OperatorBrowser.LaunchAsync();

        await browser.SignInAsync(cloud.ApiUri, "op", TestCloud.Password);
        var dom = await browser.RefreshedPageAsync();
        var status = await browser.Page.EvaluateAsync<int>(
            "async () => (await send('/api/devices/cam-page/desired-mode', 'PUT', { mode: 'local-only' })).status");

        Assert.Contains("<td>cam-page</td>", dom);
        Assert.Equal(0, await browser.Page.Locator("button.command").CountAsync());
        Assert.Equal("operator", await browser.Page.TextContentAsync("#who-role"));
        Assert.Equal(403, status);
    }

    [Fact]
    public async Task Page_Engineer_ModeButtonChangesTheDesiredMode()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var cloud = await StartWithDeviceAsync();
        cloud.TokenFor("eng", AccountRoles.Engineer);
        await using var browser = await OperatorBrowser.LaunchAsync();
        browser.Page.Dialog += (_, dialog) => dialog.AcceptAsync();

        await browser.SignInAsync(cloud.ApiUri, "eng", TestCloud.Password);
        await browser.RefreshedPageAsync();
        await browser.Page.ClickAsync("button.command:text('local-only')");

        var fleet = await Eventually.WaitAsync(
            "the desired mode set from the page",
            async c => await cloud.Http.GetFromJsonAsync<FleetSnapshot>("api/fleet", c),
            f => f!.Devices.Any(d => d.DeviceId == "cam-page" && d.DesiredMode == DegradationModes.LocalOnly),
            Eventually.DefaultTimeout,
            cancellationToken);
        Assert.NotNull(fleet);
    }

    private async Task<TestCloud> StartWithDeviceAsync()
    {
        var cloud = await TestCloud.StartAsync(_directory.Path);
        await using (var device = await TestMqttClient.ConnectAsync(cloud.BrokerPort))
        {
            await device.PublishAsync(MqttTopics.Reported("cam-page"), MqttPayloads.Serialize(TestDevices.Reported("cam-page")));
        }

        await Eventually.WaitAsync(
            "the device in the fleet view",
            async c => await cloud.Http.GetFromJsonAsync<FleetSnapshot>("api/fleet", c),
            f => f!.Devices.Any(d => d.DeviceId == "cam-page"),
            Eventually.DefaultTimeout,
            TestContext.Current.CancellationToken);
        return cloud;
    }
}
