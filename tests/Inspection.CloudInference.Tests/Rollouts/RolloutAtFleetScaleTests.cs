using System.Net;
using System.Net.Http.Json;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Inspection.Contracts.Rollouts;
using Inspection.EndToEnd.Tests.Infrastructure;
using Inspection.FleetSimulator;
using Inspection.FleetSimulator.Devices;

namespace Inspection.CloudInference.Tests.Rollouts;

/// <summary>
/// Rollouts against simulated fleets: each device runs the agent's own MQTT control and update code (real downloads,
/// signature and hash checks, the update transaction; inference simulated). The faulty devices are the seed's: the
/// rollout halts in the wave where the failure threshold is crossed, and the devices of later waves get nothing; a
/// device that escalates far more after committing fails the accuracy gate and goes back to its configured model.
/// </summary>
public sealed class RolloutAtFleetScaleTests : IAsyncDisposable
{
    private const long Release = 5;
    private readonly TempDirectory _directory = new();
    private readonly TestModelPackages _packages = new();
    private SimulatedFleet? _fleet;
    private TestCloud? _cloud;
    private MosquittoBroker? _mosquitto;

    public async ValueTask DisposeAsync()
    {
        if (_fleet is not null)
        {
            await _fleet.DisposeAsync();
        }

        if (_cloud is not null)
        {
            await _cloud.DisposeAsync();
        }

        if (_mosquitto is not null)
        {
            await _mosquitto.DisposeAsync();
        }

        _packages.Dispose();
        _directory.Dispose();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Rollout_ThirtyDevicesThreeFaulty_HaltsInTheWaveWhereTheSecondFails(bool mosquitto)
    {
        var brokerPort = await StartAsync(mosquitto);
        var fleet = await StartFleetAsync(new FleetOptions { Devices = 30, FailGolden = 0.1, Seed = 3 }, brokerPort);
        var faulty = fleet.Faults.Keys.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(3, faulty.Count);

        var started = await StartRolloutAsync(new RolloutStrategy(
            new CanarySpec(2),
            [50, 100],
            SuccessThreshold: 0.8,
            FailureThreshold: new FailureThreshold(Count: 2),
            MaxConcurrentUpdates: 30,
            AccuracyGate: new AccuracyGate(Escalations: 0, Minutes: 0)));

        // Waves take devices in id order: the wave holding the second faulty device is where the threshold is crossed.
        var waveOf = started.Devices.ToDictionary(d => d.DeviceId, d => d.Wave);
        var expected = waveOf[faulty[1]];
        var halted = await WaitForAsync(started.Id, r => r.State is RolloutStates.Halted or RolloutStates.Completed);
        Assert.Equal(RolloutStates.Halted, halted.State);
        Assert.Equal(expected, halted.CurrentWave);
        // Devices of one wave update together: more than the threshold may fail before the pass that halts.
        Assert.InRange(halted.Devices.Count(d => d.State == RolloutDeviceStates.Failed), 2, 3);
        Assert.StartsWith($"halted in wave {expected}: ", halted.Reason, StringComparison.Ordinal);
        Assert.All(
            halted.Devices.Where(d => d.State == RolloutDeviceStates.Failed),
            d => Assert.StartsWith("failed: the golden set fails on this device", d.Reason, StringComparison.Ordinal));
        foreach (var device in halted.Devices.Where(d => d.Wave > expected))
        {
            Assert.Equal(RolloutDeviceStates.Pending, device.State);
            Assert.Null(fleet[device.DeviceId].Snapshot().Ota);
        }
    }

    [Fact]
    public async Task Rollout_DeviceEscalatesFarMoreAfterCommitting_FailsTheGateAndIsBackOnItsConfiguredModel()
    {
        var brokerPort = await StartAsync(mosquitto: false);
        var fleet = await StartFleetAsync(new FleetOptions { Devices = 4, Regress = 0.25, RegressFactor = 8, Fps = 60, EscalationRate = 0.05, Seed = 1 }, brokerPort);
        var regressing = Assert.Single(fleet.Faults.Keys);

        // The gate compares with what each device did before: let them inspect a while first.
        await Eventually.UntilAsync(() => fleet.Snapshot().All(d => d.Frames >= 600), "600 frames on every device", TimeSpan.FromSeconds(60));
        var started = await StartRolloutAsync(new RolloutStrategy(
            new CanarySpec(0),
            FailureThreshold: new FailureThreshold(Count: 4),
            MaxConcurrentUpdates: 4,
            AccuracyGate: new AccuracyGate(Escalations: 60, Minutes: 2)));

        var ended = await WaitForAsync(started.Id, r => r.Devices.All(d => RolloutDeviceStates.IsFinal(d.State)));
        var failed = Assert.Single(ended.Devices, d => d.State == RolloutDeviceStates.Failed);
        Assert.Equal(regressing, failed.DeviceId);
        Assert.StartsWith("accuracy gate: the new model escalates", failed.Reason, StringComparison.Ordinal);
        Assert.All(ended.Devices.Where(d => d.DeviceId != regressing), d => Assert.Equal(RolloutDeviceStates.Succeeded, d.State));

        // The device took the rollback through the agent's own update code: it runs its configured model again.
        await Eventually.UntilAsync(() => fleet[regressing].Snapshot().Model?.Release is null, "the regressing device back on its configured model", TimeSpan.FromSeconds(60));
        Assert.All(ended.Devices.Where(d => d.DeviceId != regressing), d => Assert.Equal(Release, fleet[d.DeviceId].Snapshot().Model?.Release));
    }

    private async Task<int> StartAsync(bool mosquitto)
    {
        string[] extra = ["--Cloud:Rollouts:TickMilliseconds=100"];
        if (mosquitto)
        {
            _mosquitto = await MosquittoBroker.StartAsync(TestContext.Current.CancellationToken);
            extra = [.. extra, "--Cloud:Broker:Enabled=false", $"--Cloud:Mqtt:Port={_mosquitto.Port}"];
        }

        _cloud = await _packages.StartCloudAsync(_directory, extra);
        Assert.Equal(HttpStatusCode.Created, (await TestModelPackages.UploadAsync(_cloud, _packages.Build(release: Release))).StatusCode);
        return _mosquitto?.Port ?? _cloud.BrokerPort;
    }

    private async Task<SimulatedFleet> StartFleetAsync(FleetOptions options, int brokerPort)
    {
        options.BrokerPort = brokerPort;
        options.TrustedKeys = _packages.Trust(_directory.Folder("device-keys"));
        // The public half of the key the cloud generated beside its database at start.
        options.ControlKeys = Path.Combine(_directory.Path, "control-keys");
        options.Data = _directory.Folder("fleet");
        options.LoadMs = 100;
        options.GoldenMs = 50;
        options.ShadowMs = 300;
        options.HealthMs = 300;
        options.ReportSeconds = 1;
        _fleet = await SimulatedFleet.StartAsync(options, null, TestContext.Current.CancellationToken);
        await Eventually.WaitAsync(
            "every simulated device online in the cloud's fleet view",
            async c => await _cloud!.Http.GetFromJsonAsync<FleetSnapshot>("api/fleet", c),
            f => f!.Devices.Count(d => d.Online == true && d.Reported is not null) == options.Devices,
            Eventually.DefaultTimeout,
            TestContext.Current.CancellationToken);
        return _fleet;
    }

    private async Task<RolloutView> StartRolloutAsync(RolloutStrategy strategy)
    {
        var response = await _cloud!.Http.PostAsJsonAsync("api/rollouts", new RolloutRequest(Release, new RolloutTarget(All: true), strategy), TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return (await response.Content.ReadFromJsonAsync<RolloutView>(TestContext.Current.CancellationToken))!;
    }

    private async Task<RolloutView> WaitForAsync(string id, Func<RolloutView, bool> done) =>
        (await Eventually.WaitAsync(
            $"rollout {id} to reach the expected state",
            async c => await _cloud!.Http.GetFromJsonAsync<RolloutView>($"api/rollouts/{id}", c),
            r => r is not null && done(r),
            TimeSpan.FromSeconds(120),
            TestContext.Current.CancellationToken))!;
}
