using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Inspection.Contracts.Rollouts;
using Inspection.OperatorCli.Tests.Infrastructure;

namespace Inspection.OperatorCli.Tests.Rollouts;

/// <summary>
/// The rollout verbs against the real cloud and its rollout controller, with scripted devices on its broker: start,
/// follow with <c>status --watch</c> to the end, and the exit codes of a halted rollout and of an action its state
/// refuses.
/// </summary>
public sealed class RolloutAgainstTheCloudTests : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly TestModelPackages _packages = new();
    private readonly List<ScriptedDevice> _devices = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var device in _devices)
        {
            await device.DisposeAsync();
        }

        _packages.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task StartThenWatch_EveryDeviceCommits_WatchEndsZeroOnCompleted()
    {
        await using var cloud = await StartAsync(DeviceScript.Commit, DeviceScript.Commit, DeviceScript.Commit);
        using var start = new TestCli();

        var started = await start.RunAsync(
            "rollout", "start", "--release", "4", "--all", "--canary-count", "1", "--waves", "50,100", "--gate-escalations", "3", "--json", "--api", cloud.ApiUri.ToString(), "--token", cloud.TokenFor("alice", AccountRoles.Engineer));

        Assert.True(started == ExitCodes.Ok, start.Error);
        var view = JsonSerializer.Deserialize<RolloutView>(start.Output, JsonSerializerOptions.Web)!;
        Assert.Equal((4L, "alice", 3), (view.Release, view.IssuedBy, view.Devices.Count));
        using var watch = new TestCli();
        Assert.Equal(ExitCodes.Ok, await watch.RunAsync("rollout", "status", view.Id, "--watch", "--interval", "0.2", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token));
        Assert.Contains("completed", watch.Output, StringComparison.Ordinal);
        Assert.Equal(3, _devices.Count(d => d.Release == 4));
    }

    [Fact]
    public async Task Watch_CanaryFails_EndsFiveAndResumeOfTheCancelledRolloutEndsFour()
    {
        await using var cloud = await StartAsync(DeviceScript.FailGolden, DeviceScript.Commit);
        using var start = new TestCli();
        Assert.Equal(ExitCodes.Ok, await start.RunAsync("rollout", "start", "--release", "4", "--all", "--canary-devices", "cam-a", "--json", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token));
        var id = JsonSerializer.Deserialize<RolloutView>(start.Output, JsonSerializerOptions.Web)!.Id;

        using var watch = new TestCli();
        Assert.Equal(ExitCodes.RolloutStopped, await watch.RunAsync("rollout", "status", id, "--watch", "--interval", "0.2", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token));
        Assert.Contains("the golden set fails on this device", watch.Output, StringComparison.Ordinal);

        using var cancel = new TestCli();
        Assert.Equal(ExitCodes.Ok, await cancel.RunAsync("rollout", "cancel", id, "--reason", "bad weights", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token));
        using var resume = new TestCli();
        Assert.Equal(ExitCodes.Refused, await resume.RunAsync("rollout", "resume", id, "--api", cloud.ApiUri.ToString(), "--token", cloud.Token));
        Assert.Contains("rollout " + id + " is cancelled; only a paused or halted rollout can be resumed", resume.Error, StringComparison.Ordinal);
    }

    private async Task<TestCloud> StartAsync(params DeviceScript[] scripts)
    {
        var cloud = await _packages.StartCloudAsync(_directory, "--Cloud:Rollouts:TickMilliseconds=100");
        Assert.Equal(HttpStatusCode.Created, (await TestModelPackages.UploadAsync(cloud, _packages.Build(release: 4))).StatusCode);
        for (var i = 0; i < scripts.Length; i++)
        {
            _devices.Add(await ScriptedDevice.StartAsync(cloud.BrokerPort, $"cam-{(char)('a' + i)}", scripts[i]));
        }

        await Eventually.WaitAsync(
            "the devices online in the fleet",
            async c => await cloud.Http.GetFromJsonAsync<FleetSnapshot>("api/fleet", c),
            fleet => fleet is not null && _devices.All(d => fleet.Devices.Any(f => f.DeviceId == d.Id && f.Online == true && f.Reported is not null)),
            Eventually.DefaultTimeout,
            TestContext.Current.CancellationToken);
        return cloud;
    }
}
