using System.Net;
using System.Net.Http.Json;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Inspection.Contracts.Rollouts;

namespace Inspection.CloudInference.Tests.Rollouts;

/// <summary>
/// Rollouts of an edge agent release against a real cloud (HTTP API, embedded broker, LiteDB) and scripted devices:
/// each device is judged on the agent update it reports — committed goes on to the next wave, rolled back or refused
/// halts the rollout with the device's reason and gives the device its previous desired agent back.
/// </summary>
public sealed class AgentRolloutTests : IAsyncDisposable
{
    private const string Version = "1.5.0";
    private readonly TempDirectory _directory = new();
    private readonly TestModelPackages _packages = new();
    private readonly List<ScriptedDevice> _devices = [];
    private TestCloud? _cloud;

    private TestCloud Cloud => _cloud ?? throw new InvalidOperationException("no cloud");

    public async ValueTask DisposeAsync()
    {
        foreach (var device in _devices)
        {
            await device.DisposeAsync();
        }

        if (_cloud is not null)
        {
            await _cloud.DisposeAsync();
        }

        _packages.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task Rollout_CanaryCommits_NextWaveGetsTheReleaseAndTheRolloutCompletes()
    {
        await StartCloudAsync();
        await AddDeviceAsync("cam-a", AgentScript.Commit);
        await AddDeviceAsync("cam-b", AgentScript.Commit);
        await AddDeviceAsync("cam-c", AgentScript.Commit);

        var started = await StartRolloutAsync(AgentRequest(new RolloutTarget(All: true), canary: ["cam-a"]));

        Assert.Equal((0L, Version, "edge-agent", Version), (started.Release, started.AgentVersion, started.ModelName, started.ModelVersion));
        Assert.Equal(["canary", "wave 1"], started.Waves.Select(w => w.Name));
        var done = await WaitForAsync(started.Id, r => r.State == RolloutStates.Completed);
        Assert.All(done.Devices, d => Assert.Equal(RolloutDeviceStates.Succeeded, d.State));
        Assert.All(done.Devices, d => Assert.Equal(ScriptedDevice.StartingAgentVersion, d.FromAgentVersion));
        Assert.Equal("committed agent 1.5.0 after its health window; the line stopped 2.5 s", done.Devices.Single(d => d.DeviceId == "cam-a").Reason);
        Assert.All(_devices, d => Assert.Equal(Version, d.AgentVersion));

        // Wave 1 was sent only once the canary had committed.
        Assert.True(done.Waves[0].EndedAt <= done.Waves[1].StartedAt, $"canary ended {done.Waves[0].EndedAt:O}, wave 1 started {done.Waves[1].StartedAt:O}");
        var sent = _devices.Single(d => d.Id == "cam-b").Desired.Single(d => d.Agent is not null);
        Assert.Equal((Version, $"rollout {started.Id}"), (sent.Agent!.Version, sent.IssuedBy));
        Assert.True(sent.IssuedAt >= done.Waves[0].EndedAt, $"cam-b's desired agent issued {sent.IssuedAt:O}, before the canary ended {done.Waves[0].EndedAt:O}");
        var summary = Assert.Single((await Cloud.Http.GetFromJsonAsync<List<RolloutSummary>>("api/rollouts", TestContext.Current.CancellationToken))!);
        Assert.Equal(Version, summary.AgentVersion);
    }

    [Fact]
    public async Task Rollout_CanaryRollsBack_HaltsWithTheDevicesReasonAndTheOthersGetNothing()
    {
        await StartCloudAsync();
        await AddDeviceAsync("cam-a", AgentScript.RollBack);
        await AddDeviceAsync("cam-b", AgentScript.Commit);

        var started = await StartRolloutAsync(AgentRequest(new RolloutTarget(All: true), canary: ["cam-a"]));

        var halted = await WaitForAsync(started.Id, r => r.State == RolloutStates.Halted);
        var reason = $"rolled-back (runs {ScriptedDevice.StartingAgentVersion} again): {ScriptedDevice.RollBackReason}";
        Assert.Equal($"halted in the canary: 1 of 1 devices started failed (threshold 1 device) — cam-a: {reason}", halted.Reason);
        var canary = halted.Devices.Single(d => d.DeviceId == "cam-a");
        Assert.Equal((RolloutDeviceStates.Failed, reason, "rolled-back"), (canary.State, canary.Reason, canary.OtaState));
        Assert.Equal(RolloutDeviceStates.Pending, halted.Devices.Single(d => d.DeviceId == "cam-b").State);
        Assert.Empty(_devices[1].Desired);
        Assert.Equal(ScriptedDevice.StartingAgentVersion, _devices[0].AgentVersion);

        // Its desired agent is what it was before (none): it is not left pointing at a release it rolled back.
        await Eventually.WaitAsync("cam-a's desired agent restored", _ => Task.FromResult(_devices[0].Desired.LastOrDefault()), d => d is { Agent: null }, Eventually.DefaultTimeout, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Rollout_DeviceRefusesTheBundle_FailsWithItsReason()
    {
        await StartCloudAsync();
        await AddDeviceAsync("cam-a", AgentScript.Refuse);

        var started = await StartRolloutAsync(AgentRequest(new RolloutTarget(Devices: ["cam-a"])));

        var halted = await WaitForAsync(started.Id, r => r.State == RolloutStates.Halted);
        Assert.Equal($"refused: agent {Version} is not newer than {ScriptedDevice.StartingAgentVersion}", halted.Devices.Single().Reason);
    }

    [Fact]
    public async Task Rollout_DeviceNeverReportsAnOutcome_TimesOutAndItsDesiredAgentIsRestored()
    {
        await StartCloudAsync();
        await AddDeviceAsync("cam-a", AgentScript.Hang);

        var started = await StartRolloutAsync(AgentRequest(new RolloutTarget(Devices: ["cam-a"]), timeoutSeconds: 1));

        var halted = await WaitForAsync(started.Id, r => r.State == RolloutStates.Halted);
        Assert.StartsWith("timed out: stayed in 'requested' for more than 1 s", halted.Devices.Single().Reason, StringComparison.Ordinal);
        await Eventually.WaitAsync("cam-a's desired agent restored", _ => Task.FromResult(_devices[0].Desired.LastOrDefault()), d => d is { Agent: null }, Eventually.DefaultTimeout, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Rollout_DeviceRolledBackThatVersionBefore_FailsAtOnceWithoutAskingAgain()
    {
        await StartCloudAsync();
        await AddDeviceAsync("cam-a", AgentScript.RollBack);
        Assert.Equal(HttpStatusCode.OK, (await Cloud.Http.PutAsJsonAsync("api/devices/cam-a/desired-agent", new SetAgentRequest(Version), TestContext.Current.CancellationToken)).StatusCode);
        await Fleet.FleetApiTests.PollFleetAsync(Cloud, f => f.Devices.Any(d => d.Reported?.AgentUpdate?.State == "rolled-back"));

        var started = await StartRolloutAsync(AgentRequest(new RolloutTarget(Devices: ["cam-a"])));

        var halted = await WaitForAsync(started.Id, r => r.State == RolloutStates.Halted);
        Assert.Equal(
            $"rolled-back agent {Version} before this rollout ({ScriptedDevice.RollBackReason}): a device does not try a version again; publish a higher one",
            halted.Devices.Single().Reason);
        Assert.DoesNotContain(_devices[0].Desired, d => d.IssuedBy == $"rollout {started.Id}");
    }

    [Fact]
    public async Task Rollout_ModelRolloutOnTheSameDevice_NeitherSupersedesTheOther()
    {
        await StartCloudAsync();
        Assert.Equal(HttpStatusCode.Created, (await TestModelPackages.UploadAsync(Cloud, _packages.Build(release: 3))).StatusCode);
        _devices.Add(await ScriptedDevice.StartAsync(Cloud.BrokerPort, "cam-a", DeviceScript.Hang));
        await Fleet.FleetApiTests.PollFleetAsync(Cloud, f => f.Devices.Any(d => d.Online == true && d.Reported is not null));
        var model = await StartRolloutAsync(new RolloutRequest(3, new RolloutTarget(Devices: ["cam-a"]), new RolloutStrategy(DeviceTimeoutSeconds: 600)));
        await WaitForAsync(model.Id, r => r.Counts.Updating == 1);

        var agent = await StartRolloutAsync(AgentRequest(new RolloutTarget(Devices: ["cam-a"])));

        await WaitForAsync(agent.Id, r => r.State == RolloutStates.Completed);
        var stillGoing = await GetAsync(model.Id);
        Assert.Equal((RolloutStates.Running, RolloutDeviceStates.Updating), (stillGoing.State, stillGoing.Devices.Single().State));

        // The agent's desired state kept the model target the model rollout set.
        var last = _devices[0].Desired.Last(d => d.Agent is not null);
        Assert.Equal((3L, Version), (last.Model!.Release, last.Agent!.Version));
    }

    [Fact]
    public async Task Rollout_CancelledMidUpdate_UpdatingDeviceGetsItsPreviousDesiredAgentAndOthersNothing()
    {
        await StartCloudAsync();
        await AddDeviceAsync("cam-a", AgentScript.Hang);
        await AddDeviceAsync("cam-b", AgentScript.Commit);
        var started = await StartRolloutAsync(AgentRequest(new RolloutTarget(All: true), canary: ["cam-a"]));
        await WaitForAsync(started.Id, r => r.Devices.Single(d => d.DeviceId == "cam-a").OtaState == "requested");

        await ActAsync(started.Id, "cancel");

        var cancelled = await GetAsync(started.Id);
        Assert.Equal(RolloutStates.Cancelled, cancelled.State);
        Assert.Equal(
            $"was updating (requested): its desired agent is its previous one again (agent {ScriptedDevice.StartingAgentVersion} ran before)",
            cancelled.Devices.Single(d => d.DeviceId == "cam-a").Reason);
        Assert.Equal("not started: the rollout was cancelled", cancelled.Devices.Single(d => d.DeviceId == "cam-b").Reason);
        await Eventually.WaitAsync("cam-a's desired agent restored", _ => Task.FromResult(_devices[0].Desired.LastOrDefault()), d => d is { Agent: null }, Eventually.DefaultTimeout, TestContext.Current.CancellationToken);
        Assert.Empty(_devices[1].Desired);
    }

    [Fact]
    public async Task Rollout_CloudRestartsWhilePaused_ResumesAsTheSameAgentRollout()
    {
        await StartCloudAsync();
        await AddDeviceAsync("cam-a", AgentScript.Commit);
        await AddDeviceAsync("cam-b", AgentScript.Commit);
        var started = await StartRolloutAsync(AgentRequest(new RolloutTarget(All: true), canary: ["cam-a"]));
        await ActAsync(started.Id, "pause");
        await WaitForAsync(started.Id, r => r.Devices.Single(d => d.Wave == 0).State == RolloutDeviceStates.Succeeded);
        foreach (var device in _devices)
        {
            await device.GoOfflineAsync();
        }

        await Cloud.DisposeAsync();
        _cloud = null;
        await StartCloudAsync(upload: false);
        foreach (var device in _devices)
        {
            await device.ComeBackAsync(Cloud.BrokerPort);
        }

        var after = await GetAsync(started.Id);
        Assert.Equal((RolloutStates.Paused, Version), (after.State, after.AgentVersion));
        Assert.Equal(ScriptedDevice.StartingAgentVersion, after.Devices.Single(d => d.DeviceId == "cam-a").FromAgentVersion);

        await ActAsync(started.Id, "resume");
        var done = await WaitForAsync(started.Id, r => r.State == RolloutStates.Completed);
        Assert.Equal(2, done.Counts.Succeeded);
        Assert.Equal(Version, _devices[1].AgentVersion);
    }

    [Fact]
    public async Task Start_AsOperator_Forbidden()
    {
        await StartCloudAsync();
        await AddDeviceAsync("cam-a", AgentScript.Commit);

        var response = await Cloud.ClientAs(AccountRoles.Operator).PostAsJsonAsync("api/rollouts", AgentRequest(new RolloutTarget(All: true)), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(_devices[0].Desired);
    }

    [Theory]
    [InlineData("{\"agentVersion\":\"9.9.9\",\"target\":{\"all\":true}}", HttpStatusCode.NotFound, "agent release 9.9.9 is not registered (GET /api/agent-releases)")]
    [InlineData("{\"release\":3,\"agentVersion\":\"1.5.0\",\"target\":{\"all\":true}}", HttpStatusCode.BadRequest, "give release (a model) or agentVersion (an edge agent), not both")]
    [InlineData("{\"agentVersion\":\"1.5.0\",\"target\":{\"all\":true},\"strategy\":{\"reviewCheck\":{}}}", HttpStatusCode.BadRequest, "reviewCheck judges a model release on reviewed parts; an agent rollout has none")]
    public async Task Start_InvalidAgentRequest_RefusedWithTheReason(string body, HttpStatusCode status, string error)
    {
        await StartCloudAsync();
        await AddDeviceAsync("cam-a", AgentScript.Commit);

        var response = await Cloud.Http.PostAsync("api/rollouts", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(error, (await response.Content.ReadFromJsonAsync<ApiError>(TestContext.Current.CancellationToken))!.Error);
        Assert.Empty(_devices[0].Desired);
    }

    private static RolloutRequest AgentRequest(RolloutTarget target, IReadOnlyList<string>? canary = null, int timeoutSeconds = 60) =>
        new(0, target, new RolloutStrategy(canary is null ? new CanarySpec(1) : new CanarySpec(Devices: canary), DeviceTimeoutSeconds: timeoutSeconds), Version);

    private async Task StartCloudAsync(bool upload = true)
    {
        _cloud = await _packages.StartCloudAsync(_directory, "--Cloud:Rollouts:TickMilliseconds=100");
        if (upload)
        {
            Assert.Equal(HttpStatusCode.Created, (await TestAgentBundles.UploadAsync(Cloud, TestAgentBundles.Build(_directory, Version, _packages.Key))).StatusCode);
        }

        await Fleet.FleetApiTests.WaitForBrokerAsync(Cloud);
    }

    private async Task AddDeviceAsync(string id, AgentScript script)
    {
        _devices.Add(await ScriptedDevice.StartAsync(Cloud.BrokerPort, id, agent: script));
        await Fleet.FleetApiTests.PollFleetAsync(Cloud, f => f.Devices.Count(d => d.Online == true && d.Reported is not null) >= _devices.Count);
    }

    private async Task<RolloutView> StartRolloutAsync(RolloutRequest request)
    {
        var response = await Cloud.Http.PostAsJsonAsync("api/rollouts", request, TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return (await response.Content.ReadFromJsonAsync<RolloutView>(TestContext.Current.CancellationToken))!;
    }

    private async Task<RolloutView> GetAsync(string id) =>
        (await Cloud.Http.GetFromJsonAsync<RolloutView>($"api/rollouts/{id}", TestContext.Current.CancellationToken))!;

    private async Task ActAsync(string id, string action)
    {
        var response = await Cloud.Http.PostAsJsonAsync($"api/rollouts/{id}/{action}", new RolloutAction(), TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private async Task<RolloutView> WaitForAsync(string id, Func<RolloutView, bool> done) =>
        (await Eventually.WaitAsync($"rollout {id} to reach the expected state", _ => GetAsync(id), done, Eventually.DefaultTimeout, TestContext.Current.CancellationToken))!;
}
