using System.Net;
using System.Net.Http.Json;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Inspection.Contracts.Mqtt;
using Inspection.Contracts.Rollouts;

namespace Inspection.CloudInference.Tests.Rollouts;

/// <summary>
/// The rollout controller against a real cloud (HTTP API, embedded broker, LiteDB) and scripted devices on the
/// broker: it starts the canary, advances wave by wave, halts by itself, times out a stuck device, fails a device
/// that escalates far more after its update and sends it back, survives a restart, pauses, resumes and cancels.
/// </summary>
public sealed class RolloutControllerTests : IAsyncDisposable
{
    private const long Release = 3;
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
    public async Task Rollout_EveryDeviceCommits_WavesAdvanceAndTheRolloutCompletes()
    {
        await StartCloudAsync();
        await AddDevicesAsync("cam-a", "cam-b", "cam-c", "cam-d", "cam-e");

        var started = await StartRolloutAsync(new RolloutRequest(Release, new RolloutTarget(All: true), Strategy(waves: [40, 100])));

        Assert.Equal(TestCloud.AdminName, started.IssuedBy);
        Assert.Equal(["canary", "wave 1", "wave 2"], started.Waves.Select(w => w.Name));
        Assert.Equal([1, 1, 3], started.Waves.Select(w => w.Devices));
        var done = await WaitForAsync(started.Id, r => r.State == RolloutStates.Completed);
        Assert.All(done.Devices, d => Assert.Equal(RolloutDeviceStates.Succeeded, d.State));
        Assert.All(done.Waves, w => Assert.Equal("succeeded", w.State));
        Assert.All(_devices, d => Assert.Equal(Release, d.Release));
        Assert.StartsWith("passed the accuracy gate", done.Devices[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollout_CanaryFails_HaltsBeforeWaveOneAndTheOthersGetNothing()
    {
        await StartCloudAsync();
        await AddDeviceAsync("cam-a", DeviceScript.FailGolden);
        await AddDevicesAsync("cam-b", "cam-c");

        var started = await StartRolloutAsync(new RolloutRequest(Release, new RolloutTarget(All: true), Strategy(canary: ["cam-a"])));

        var halted = await WaitForAsync(started.Id, r => r.State == RolloutStates.Halted);
        Assert.Contains("halted in the canary: 1 of 1 devices started failed", halted.Reason, StringComparison.Ordinal);
        var canary = halted.Devices.Single(d => d.DeviceId == "cam-a");
        Assert.Equal(RolloutDeviceStates.Failed, canary.State);
        Assert.Equal("failed: the golden set fails on this device: frame 2 lost its scratch", canary.Reason);
        Assert.All(halted.Devices.Where(d => d.Wave > 0), d => Assert.Equal(RolloutDeviceStates.Pending, d.State));
        Assert.All(_devices.Where(d => d.Id != "cam-a"), d => Assert.Empty(d.Desired));

        // The failed device's desired model is what it was before (none): it is not left pointing at a release it refused.
        var restored = await Eventually.WaitAsync("cam-a's desired model restored", _ => Task.FromResult(_devices[0].Desired.LastOrDefault()), d => d?.Model is null, Eventually.DefaultTimeout, TestContext.Current.CancellationToken);
        Assert.Null(restored!.Rollback);

        // Resumed, the canary is taken as it ended and the next wave goes on.
        await ActAsync(started.Id, "resume", new RolloutAction("golden frame 2 is a known artefact of that camera"));
        var resumed = await WaitForAsync(started.Id, r => r.State != RolloutStates.Running || r.Counts.Succeeded == 2);
        Assert.Equal(2, resumed.Counts.Succeeded);
        Assert.Equal("succeeded", resumed.Waves[0].State);
    }

    [Fact]
    public async Task Rollout_FailureThresholdCrossedMidWave_HaltsInThatWave()
    {
        await StartCloudAsync();
        await AddDevicesAsync("cam-a", "cam-b", "cam-c");
        await AddDeviceAsync("cam-d", DeviceScript.FailGolden);
        await AddDeviceAsync("cam-e", DeviceScript.FailGolden);
        await AddDevicesAsync("cam-f");

        var started = await StartRolloutAsync(new RolloutRequest(Release, new RolloutTarget(All: true), Strategy(failures: new FailureThreshold(Count: 2))));

        var halted = await WaitForAsync(started.Id, r => r.State == RolloutStates.Halted);
        Assert.StartsWith("halted in wave 1: 2 of ", halted.Reason, StringComparison.Ordinal);
        Assert.Equal("halted", halted.Waves[1].State);
        Assert.Equal(2, halted.Counts.Failed);
    }

    [Fact]
    public async Task Rollout_DeviceHangs_TimesOutAndItsDesiredModelIsRestored()
    {
        await StartCloudAsync();
        await AddDeviceAsync("cam-a", DeviceScript.Hang);

        var started = await StartRolloutAsync(new RolloutRequest(Release, new RolloutTarget(Devices: ["cam-a"]), Strategy(timeoutSeconds: 1)));

        var halted = await WaitForAsync(started.Id, r => r.State == RolloutStates.Halted);
        var device = halted.Devices.Single();
        Assert.Equal(RolloutDeviceStates.Failed, device.State);
        Assert.StartsWith("timed out: stayed in 'downloading' for more than 1 s", device.Reason, StringComparison.Ordinal);
        await Eventually.WaitAsync("the desired model restored", _ => Task.FromResult(_devices[0].Desired.LastOrDefault()), d => d?.Model is null, Eventually.DefaultTimeout, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Rollout_DeviceEscalatesFarMoreAfterItsUpdate_FailsTheGateAndIsSentBack()
    {
        await StartCloudAsync();
        await AddDeviceAsync("cam-a", DeviceScript.Regress);

        var started = await StartRolloutAsync(new RolloutRequest(Release, new RolloutTarget(Devices: ["cam-a"]), Strategy(gateEscalations: 30)));

        var halted = await WaitForAsync(started.Id, r => r.State == RolloutStates.Halted);
        var device = halted.Devices.Single();
        Assert.Equal(RolloutDeviceStates.Failed, device.State);
        Assert.StartsWith("accuracy gate: the new model escalates", device.Reason, StringComparison.Ordinal);
        Assert.EndsWith("sent back to its configured model", device.Reason, StringComparison.Ordinal);
        var back = await Eventually.WaitAsync("the rollback desired state", _ => Task.FromResult(_devices[0].Desired.LastOrDefault()), d => d?.Rollback is not null, Eventually.DefaultTimeout, TestContext.Current.CancellationToken);
        Assert.Equal(new ModelRollback(Release, null), back!.Rollback);
        Assert.Null(back.Model);
        Assert.Null(_devices[0].Release);
    }

    [Fact]
    public async Task Rollout_PausedThenResumed_NoDeviceStartsWhilePaused()
    {
        await StartCloudAsync();
        await AddDevicesAsync("cam-a", "cam-b", "cam-c");
        var started = await StartRolloutAsync(new RolloutRequest(Release, new RolloutTarget(All: true), Strategy()));

        var paused = await ActAsync(started.Id, "pause", new RolloutAction("line stop"));
        Assert.Equal((RolloutStates.Paused, $"paused by {TestCloud.AdminName}: line stop"), (paused.State, paused.Reason));
        var afterCanary = await WaitForAsync(started.Id, r => r.Devices.Single(d => d.Wave == 0).State == RolloutDeviceStates.Succeeded);
        Assert.All(afterCanary.Devices.Where(d => d.Wave > 0), d => Assert.Equal(RolloutDeviceStates.Pending, d.State));
        Assert.Equal(HttpStatusCode.Conflict, (await PostAsync(started.Id, "pause", null)).StatusCode);

        await ActAsync(started.Id, "resume", new RolloutAction());

        var done = await WaitForAsync(started.Id, r => r.State == RolloutStates.Completed);
        Assert.Equal(3, done.Counts.Succeeded);
        Assert.Equal(HttpStatusCode.Conflict, (await PostAsync(started.Id, "resume", null)).StatusCode);
    }

    [Fact]
    public async Task Rollout_ClaimedIssuerInTheBody_RecordsTheSignedInAccount()
    {
        await StartCloudAsync();
        await AddDevicesAsync("cam-a", "cam-b");
        var engineer = Cloud.ClientAs(AccountRoles.Engineer);
        var cancellationToken = TestContext.Current.CancellationToken;

        // What an older client sends: a name of its choosing beside the request.
        using var start = new StringContent(
            $$"""{"release":{{Release}},"target":{"all":true},"issuedBy":"mallory"}""", System.Text.Encoding.UTF8, "application/json");
        using var startAnswer = await engineer.PostAsync("api/rollouts", start, cancellationToken);
        Assert.Equal(HttpStatusCode.Created, startAnswer.StatusCode);
        var started = (await startAnswer.Content.ReadFromJsonAsync<RolloutView>(cancellationToken))!;
        using var pause = new StringContent("""{"issuedBy":"mallory","reason":"line stop"}""", System.Text.Encoding.UTF8, "application/json");
        using var pauseAnswer = await engineer.PostAsync($"api/rollouts/{started.Id}/pause", pause, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, pauseAnswer.StatusCode);

        var stored = await GetAsync(started.Id);
        Assert.Equal(("test-engineer", "paused by test-engineer: line stop"), (stored.IssuedBy, stored.Reason));
        Assert.Equal("test-engineer", Assert.Single(await Cloud.Http.GetFromJsonAsync<List<RolloutSummary>>("api/rollouts", cancellationToken) ?? []).IssuedBy);
        var desired = await Eventually.WaitAsync(
            "the canary's desired state", _ => Task.FromResult(_devices.SelectMany(d => d.Desired).FirstOrDefault()), d => d is not null, Eventually.DefaultTimeout, cancellationToken);
        Assert.Equal($"rollout {started.Id}", desired!.IssuedBy);
    }

    [Fact]
    public async Task Rollout_CancelledMidTransaction_UpdatingDeviceGoesBackAndOthersGetNothing()
    {
        await StartCloudAsync();
        await AddDeviceAsync("cam-a", DeviceScript.Hang);
        await AddDevicesAsync("cam-b");
        var started = await StartRolloutAsync(new RolloutRequest(Release, new RolloutTarget(All: true), Strategy()));
        await WaitForAsync(started.Id, r => r.Devices.Single(d => d.DeviceId == "cam-a").OtaState == OtaStates.Downloading);

        var cancelled = await ActAsync(started.Id, "cancel", new RolloutAction("wrong release"));

        Assert.Equal((RolloutStates.Cancelled, $"cancelled by {TestCloud.AdminName}: wrong release"), (cancelled.State, cancelled.Reason));
        var a = cancelled.Devices.Single(d => d.DeviceId == "cam-a");
        Assert.Equal(RolloutDeviceStates.Cancelled, a.State);
        Assert.StartsWith("was updating (downloading): its desired model is its previous one again", a.Reason, StringComparison.Ordinal);
        Assert.Equal("not started: the rollout was cancelled", cancelled.Devices.Single(d => d.DeviceId == "cam-b").Reason);
        await Eventually.WaitAsync("cam-a's desired model restored", _ => Task.FromResult(_devices[0].Desired.LastOrDefault()), d => d?.Model is null, Eventually.DefaultTimeout, TestContext.Current.CancellationToken);
        Assert.Empty(_devices[1].Desired);
    }

    [Fact]
    public async Task Rollout_DeviceOfflineInItsWave_GetsItsJobWhenItReturns()
    {
        await StartCloudAsync();
        await AddDevicesAsync("cam-a", "cam-b");
        await _devices[1].GoOfflineAsync();

        var started = await StartRolloutAsync(new RolloutRequest(Release, new RolloutTarget(All: true), Strategy()));
        var waiting = await WaitForAsync(started.Id, r => r.Devices.Single(d => d.DeviceId == "cam-b").State == RolloutDeviceStates.Waiting);
        Assert.Equal("offline: starts when it comes back", waiting.Devices.Single(d => d.DeviceId == "cam-b").Reason);
        Assert.Empty(_devices[1].Desired);

        await _devices[1].ComeBackAsync(Cloud.BrokerPort);

        var done = await WaitForAsync(started.Id, r => r.State == RolloutStates.Completed);
        Assert.Equal(2, done.Counts.Succeeded);
        Assert.Equal(Release, _devices[1].Release);
    }

    [Fact]
    public async Task Rollout_CloudRestartsMidRollout_ResumesWithItsState()
    {
        await StartCloudAsync();
        await AddDevicesAsync("cam-a", "cam-b", "cam-c");
        var started = await StartRolloutAsync(new RolloutRequest(Release, new RolloutTarget(All: true), Strategy()));
        await ActAsync(started.Id, "pause", null);
        var before = await WaitForAsync(started.Id, r => r.Devices.Single(d => d.Wave == 0).State == RolloutDeviceStates.Succeeded);

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
        Assert.Equal(RolloutStates.Paused, after.State);
        Assert.Equal(before.Devices.Select(d => (d.DeviceId, d.State)), after.Devices.Select(d => (d.DeviceId, d.State)));

        await ActAsync(started.Id, "resume", null);
        var done = await WaitForAsync(started.Id, r => r.State == RolloutStates.Completed);
        Assert.Equal(3, done.Counts.Succeeded);
    }

    [Fact]
    public async Task Rollout_NewerRolloutTakesItsDevices_OlderIsSupersededWithARecord()
    {
        await StartCloudAsync();
        await AddDeviceAsync("cam-a", DeviceScript.Hang);
        var first = await StartRolloutAsync(new RolloutRequest(Release, new RolloutTarget(All: true), Strategy()));
        await WaitForAsync(first.Id, r => r.Counts.Updating == 1);

        var second = await StartRolloutAsync(new RolloutRequest(Release, new RolloutTarget(Devices: ["cam-a"]), Strategy()));

        var older = await GetAsync(first.Id);
        Assert.Equal(RolloutStates.Superseded, older.State);
        Assert.Equal($"superseded by rollout {second.Id}, which took its remaining 1 device", older.Reason);
        Assert.StartsWith($"superseded by rollout {second.Id}: was updating", older.Devices.Single().Reason, StringComparison.Ordinal);
        Assert.Equal(RolloutStates.Running, (await GetAsync(second.Id)).State);
    }

    [Fact]
    public async Task Rollout_AtMostTwoAtOnce_TheRestWaitForASlot()
    {
        await StartCloudAsync();
        foreach (var id in new[] { "cam-a", "cam-b", "cam-c", "cam-d", "cam-e" })
        {
            await AddDeviceAsync(id, DeviceScript.Hang);
        }

        var started = await StartRolloutAsync(new RolloutRequest(Release, new RolloutTarget(All: true), Strategy(canaryCount: 0, concurrent: 2)));

        var running = await WaitForAsync(started.Id, r => r.Counts.Updating == 2);
        Assert.Equal(3, running.Counts.Waiting);
        Assert.Equal(2, _devices.Count(d => d.Desired.Count > 0));
    }

    [Fact]
    public async Task Rollout_OutsideItsMaintenanceWindow_DevicesWait()
    {
        await StartCloudAsync();
        await AddDevicesAsync("cam-a");
        var now = TimeOnly.FromDateTime(DateTime.UtcNow);
        var window = new MaintenanceWindow(now.AddHours(2).ToString("HH:mm"), now.AddHours(3).ToString("HH:mm"));

        var started = await StartRolloutAsync(new RolloutRequest(Release, new RolloutTarget(All: true), Strategy() with { MaintenanceWindow = window }));

        Assert.Equal("waiting for the maintenance window", started.Devices.Single().Reason);
        Assert.Empty(_devices[0].Desired);
    }

    [Theory]
    [InlineData("{\"release\":3,\"target\":{}}", HttpStatusCode.BadRequest, "target: give exactly one of devices, line, tag or all")]
    [InlineData("{\"release\":3,\"target\":{\"line\":\"line-9\"}}", HttpStatusCode.BadRequest, "no device reports line 'line-9'")]
    [InlineData("{\"release\":3,\"target\":{\"all\":true},\"strategy\":{\"waves\":[50,40]}}", HttpStatusCode.BadRequest, "waves are cumulative percentages of the target, rising, each in (0, 100]: got [50, 40]")]
    [InlineData("{\"release\":3,\"target\":{\"devices\":[\"cam-zz\"]}}", HttpStatusCode.BadRequest, "device 'cam-zz' is not known to the cloud (it has never reported)")]
    [InlineData("{\"release\":9,\"target\":{\"all\":true}}", HttpStatusCode.NotFound, "release 9 is not registered (GET /api/models)")]
    public async Task Start_InvalidRequest_RefusedWithTheReason(string body, HttpStatusCode status, string error)
    {
        await StartCloudAsync();
        await AddDevicesAsync("cam-a");

        var response = await Cloud.Http.PostAsync("api/rollouts", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(error, (await response.Content.ReadFromJsonAsync<ApiError>(TestContext.Current.CancellationToken))!.Error);
    }

    [Fact]
    public async Task Target_ByLineOrTag_TakesTheDevicesThatReportIt()
    {
        await StartCloudAsync();
        _devices.Add(await ScriptedDevice.StartAsync(Cloud.BrokerPort, "cam-a", line: "line-2", tags: ["north"]));
        _devices.Add(await ScriptedDevice.StartAsync(Cloud.BrokerPort, "cam-b", line: "line-2"));
        _devices.Add(await ScriptedDevice.StartAsync(Cloud.BrokerPort, "cam-c", line: "line-3", tags: ["north"]));
        await WaitForFleetAsync(3);

        var byLine = await StartRolloutAsync(new RolloutRequest(Release, new RolloutTarget(Line: "line-2"), Strategy()));
        await WaitForAsync(byLine.Id, r => r.State == RolloutStates.Completed);
        var byTag = await StartRolloutAsync(new RolloutRequest(Release, new RolloutTarget(Tag: "north"), Strategy()));

        Assert.Equal(["cam-a", "cam-b"], byLine.Devices.Select(d => d.DeviceId).Order());
        Assert.Equal(["cam-a", "cam-c"], byTag.Devices.Select(d => d.DeviceId).Order());
        var list = await Cloud.Http.GetFromJsonAsync<List<RolloutSummary>>("api/rollouts", TestContext.Current.CancellationToken);
        Assert.Equal([byTag.Id, byLine.Id], list!.Select(r => r.Id));
    }

    private static RolloutStrategy Strategy(
        IReadOnlyList<string>? canary = null,
        int? canaryCount = null,
        IReadOnlyList<double>? waves = null,
        FailureThreshold? failures = null,
        int? timeoutSeconds = null,
        int? concurrent = null,
        int gateEscalations = 3) =>
        new(
            canary is null ? new CanarySpec(canaryCount ?? 1) : new CanarySpec(Devices: canary),
            waves,
            FailureThreshold: failures,
            DeviceTimeoutSeconds: timeoutSeconds ?? 60,
            MaxConcurrentUpdates: concurrent,
            AccuracyGate: new AccuracyGate(Escalations: gateEscalations, Minutes: 5));

    private async Task StartCloudAsync(bool upload = true)
    {
        _cloud = await _packages.StartCloudAsync(_directory, "--Cloud:Rollouts:TickMilliseconds=100", "--Logging:LogLevel:Inspection.CloudInference.Fleet.FleetCommands=Information");
        if (upload)
        {
            Assert.Equal(HttpStatusCode.Created, (await TestModelPackages.UploadAsync(Cloud, _packages.Build(release: Release))).StatusCode);
        }

        await Fleet.FleetApiTests.WaitForBrokerAsync(Cloud);
    }

    private async Task AddDevicesAsync(params string[] ids)
    {
        foreach (var id in ids)
        {
            await AddDeviceAsync(id, DeviceScript.Commit);
        }
    }

    private async Task AddDeviceAsync(string id, DeviceScript script)
    {
        _devices.Add(await ScriptedDevice.StartAsync(Cloud.BrokerPort, id, script));
        await WaitForFleetAsync(_devices.Count);
    }

    private Task WaitForFleetAsync(int count) =>
        Fleet.FleetApiTests.PollFleetAsync(Cloud, f => f.Devices.Count(d => d.Online == true && d.Reported is not null) >= count);

    private async Task<RolloutView> StartRolloutAsync(RolloutRequest request)
    {
        var response = await Cloud.Http.PostAsJsonAsync("api/rollouts", request, TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return (await response.Content.ReadFromJsonAsync<RolloutView>(TestContext.Current.CancellationToken))!;
    }

    private async Task<RolloutView> GetAsync(string id) =>
        (await Cloud.Http.GetFromJsonAsync<RolloutView>($"api/rollouts/{id}", TestContext.Current.CancellationToken))!;

    private Task<HttpResponseMessage> PostAsync(string id, string action, RolloutAction? body) =>
        Cloud.Http.PostAsJsonAsync($"api/rollouts/{id}/{action}", body, TestContext.Current.CancellationToken);

    private async Task<RolloutView> ActAsync(string id, string action, RolloutAction? body)
    {
        var response = await PostAsync(id, action, body);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return (await response.Content.ReadFromJsonAsync<RolloutView>(TestContext.Current.CancellationToken))!;
    }

    private async Task<RolloutView> WaitForAsync(string id, Func<RolloutView, bool> done) =>
        (await Eventually.WaitAsync($"rollout {id} to reach the expected state", _ => GetAsync(id), done, Eventually.DefaultTimeout, TestContext.Current.CancellationToken))!;
}
