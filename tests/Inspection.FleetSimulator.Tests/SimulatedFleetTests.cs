using Inspection.Contracts.Mqtt;
using Inspection.FleetSimulator.Devices;
using Inspection.FleetSimulator.Inference;
using Inspection.FleetSimulator.Tests.TestSupport;

namespace Inspection.FleetSimulator.Tests;

/// <summary>
/// Simulated fleets on the embedded broker, commanded as the cloud commands devices: a retained desired state per
/// device naming a signed package served over HTTP; what the devices do is read from what they publish.
/// </summary>
public sealed class SimulatedFleetTests
{
    private static readonly string[] EveryStep =
    [
        OtaStates.Queued, OtaStates.Downloading, OtaStates.Verifying, OtaStates.Loading, OtaStates.Validating,
        OtaStates.Shadowing, OtaStates.Swapped, OtaStates.Committed,
    ];

    [Fact]
    public async Task Update_TwentyDevices_AllCommitAndReportTheNewRelease()
    {
        await using var scenario = await FleetScenario.StartAsync();
        var fleet = await scenario.StartFleetAsync(scenario.Options(20));
        var ids = fleet.Devices.Select(d => d.Id).ToList();
        var target = scenario.Publisher.Publish(1);

        await scenario.DesireAsync(target, ids);
        await scenario.AllEndedAsync(ids, 1);
        await Eventually.UntilAsync(() => ids.All(id => scenario.Reported(id)?.Model.Release == 1), "every device to report release 1");

        Assert.All(ids, id =>
        {
            Assert.Equal(EveryStep, scenario.StatesOf(id));
            var reported = scenario.Reported(id)!;
            Assert.Equal((1L, target.Sha256, target.Version), (reported.Model.Release, reported.Model.Sha256, reported.Model.Version));
            Assert.Equal(OtaStates.Committed, reported.Ota?.State);
        });
        Assert.Equal(20, fleet.Summarize().States[OtaStates.Committed]);
    }

    [Fact]
    public async Task Update_Committed_NoInferenceLibraryIsLoaded()
    {
        await using var scenario = await FleetScenario.StartAsync();
        var fleet = await scenario.StartFleetAsync(scenario.Options(2));
        var ids = fleet.Devices.Select(d => d.Id).ToList();

        await scenario.DesireAsync(scenario.Publisher.Publish(1), ids);
        await scenario.AllEndedAsync(ids, 1);

        Assert.All(ids, id => Assert.Equal(OtaStates.Committed, scenario.ProgressOf(id)[^1].State));
        var assemblies = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name).ToList();
        Assert.DoesNotContain("Microsoft.ML.OnnxRuntime", assemblies);
        Assert.DoesNotContain("OpenCvSharp", assemblies);
        var mapped = await File.ReadAllTextAsync("/proc/self/maps", TestContext.Current.CancellationToken);
        Assert.DoesNotContain("onnxruntime", mapped, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("OpenCvSharpExtern", mapped, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Update_FailVerify_DeviceFailsWithTheVerificationReason()
    {
        await using var scenario = await FleetScenario.StartAsync();
        var options = scenario.Options(4);
        options.FailVerify = 0.25;
        var fleet = await scenario.StartFleetAsync(options);
        var ids = fleet.Devices.Select(d => d.Id).ToList();

        await scenario.DesireAsync(scenario.Publisher.Publish(1), ids);
        await scenario.AllEndedAsync(ids, 1);

        var faulty = Assert.Single(fleet.Faults);
        Assert.Equal(DeviceFault.FailVerify, faulty.Value);
        var last = scenario.ProgressOf(faulty.Key)[^1];
        Assert.Equal(OtaStates.Failed, last.State);
        Assert.Equal("model.onnx as staged does not match the SHA-256 in the signed manifest", last.Reason);
        Assert.Equal([OtaStates.Queued, OtaStates.Downloading, OtaStates.Verifying, OtaStates.Failed], scenario.StatesOf(faulty.Key));
        Assert.All(ids.Where(id => id != faulty.Key), id => Assert.Equal(OtaStates.Committed, scenario.ProgressOf(id)[^1].State));
    }

    [Fact]
    public async Task Update_FailGolden_DeviceFailsWithTheGoldenSetReason()
    {
        await using var scenario = await FleetScenario.StartAsync();
        var options = scenario.Options(4);
        options.FailGolden = 0.25;
        var fleet = await scenario.StartFleetAsync(options);
        var ids = fleet.Devices.Select(d => d.Id).ToList();

        await scenario.DesireAsync(scenario.Publisher.Publish(1), ids);
        await scenario.AllEndedAsync(ids, 1);

        var faulty = Assert.Single(fleet.Faults);
        Assert.Equal(DeviceFault.FailGolden, faulty.Value);
        var last = scenario.ProgressOf(faulty.Key)[^1];
        Assert.Equal(OtaStates.Failed, last.State);
        Assert.StartsWith("the golden set fails on this device: golden frame golden/000.png:", last.Reason, StringComparison.Ordinal);
        Assert.Equal(OtaStates.Validating, scenario.StatesOf(faulty.Key)[^2]);
        Assert.Null(scenario.Reported(faulty.Key)?.Model.Release);
        Assert.All(ids.Where(id => id != faulty.Key), id => Assert.Equal(OtaStates.Committed, scenario.ProgressOf(id)[^1].State));
    }

    [Fact]
    public async Task Update_Hang_DeviceStaysInItsStep()
    {
        await using var scenario = await FleetScenario.StartAsync();
        var options = scenario.Options(4);
        options.Hang = 0.25;
        var fleet = await scenario.StartFleetAsync(options);
        var ids = fleet.Devices.Select(d => d.Id).ToList();
        var hung = Assert.Single(fleet.Faults).Key;
        var others = ids.Where(id => id != hung).ToList();

        await scenario.DesireAsync(scenario.Publisher.Publish(1), ids);
        await scenario.AllEndedAsync(others, 1);
        // The worker reports a running shadow every second: three more reports and it is still in it.
        var reports = scenario.ProgressOf(hung).Count;
        await Eventually.UntilAsync(() => scenario.ProgressOf(hung).Count >= reports + 3, "three more progress reports from the hung device", FleetScenario.Timeout);

        Assert.Equal([OtaStates.Queued, OtaStates.Downloading, OtaStates.Verifying, OtaStates.Loading, OtaStates.Validating, OtaStates.Shadowing], scenario.StatesOf(hung));
        Assert.Equal(OtaStates.Shadowing, fleet[hung].Snapshot().Ota?.State);
        Assert.Null(fleet[hung].Snapshot().Model?.Release);
    }

    [Fact]
    public async Task Update_Offline_LastWillMarksItOfflineAndItConvergesWhenBack()
    {
        await using var scenario = await FleetScenario.StartAsync();
        var options = scenario.Options(3);
        options.Offline = 0.34;
        options.OfflineSeconds = 3;
        var fleet = await scenario.StartFleetAsync(options);
        var ids = fleet.Devices.Select(d => d.Id).ToList();
        var away = Assert.Single(fleet.Faults).Key;
        await Eventually.UntilAsync(() => scenario.StatesOf(away).Count == 0 && scenario.StatusesOf(away).LastOrDefault()?.Online == true, "the device to announce itself online");

        await scenario.DesireAsync(scenario.Publisher.Publish(1), ids);
        await scenario.AllEndedAsync(ids, 1);
        await Eventually.UntilAsync(() => scenario.Reported(away)?.Model.Release == 1, "the device back online to report release 1");

        var statuses = scenario.StatusesOf(away);
        var lastWill = statuses.FindIndex(s => !s.Online);
        Assert.True(lastWill > 0, $"no offline status after the first online one: {string.Join(", ", statuses)}");
        Assert.Equal("last-will", statuses[lastWill].Reason);
        Assert.Contains(statuses.Skip(lastWill + 1), s => s.Online);
        Assert.Equal(OtaStates.Committed, scenario.ProgressOf(away)[^1].State);
        Assert.True(fleet[away].IsOnline);
    }

    [Fact]
    public async Task Update_Regress_UncertainRateRisesByTheFactorAfterCommit()
    {
        await using var scenario = await FleetScenario.StartAsync();
        var options = scenario.Options(2);
        options.Regress = 0.5;
        options.RegressFactor = 3;
        options.EscalationRate = 0.1;
        options.Fps = 2000;
        var fleet = await scenario.StartFleetAsync(options);
        var ids = fleet.Devices.Select(d => d.Id).ToList();
        var regressing = Assert.Single(fleet.Faults).Key;
        const long Frames = 6000;
        await Eventually.UntilAsync(() => ids.All(id => scenario.Reported(id)?.Stats.Frames >= Frames), $"{Frames} frames reported by every device");
        var before = ids.ToDictionary(id => id, id => scenario.Reported(id)!.Stats);

        await scenario.DesireAsync(scenario.Publisher.Publish(1), ids);
        await scenario.AllEndedAsync(ids, 1);
        await Eventually.UntilAsync(() => ids.All(id => scenario.Reported(id)?.Model.Release == 1), "every device to report release 1");
        var committed = ids.ToDictionary(id => id, id => scenario.Reported(id)!.Stats);
        await Eventually.UntilAsync(() => ids.All(id => scenario.Reported(id)!.Stats.Frames >= committed[id].Frames + Frames), $"{Frames} more frames reported by every device");

        var ratios = ids.ToDictionary(id => id, id =>
        {
            var after = scenario.Reported(id)!.Stats;
            var rateBefore = (double)before[id].Uncertain / before[id].Frames;
            var rateAfter = (double)(after.Uncertain - committed[id].Uncertain) / (after.Frames - committed[id].Frames);
            return rateAfter / rateBefore;
        });
        Assert.InRange(ratios[regressing], 2.4, 3.6);
        Assert.InRange(ratios[ids.Single(id => id != regressing)], 0.75, 1.3);
    }

    [Fact]
    public async Task Restart_SameData_DevicesRunTheCommittedReleaseWithoutUpdatingAgain()
    {
        await using var scenario = await FleetScenario.StartAsync();
        var options = scenario.Options(3);
        var fleet = await scenario.StartFleetAsync(options);
        var ids = fleet.Devices.Select(d => d.Id).ToList();
        await scenario.DesireAsync(scenario.Publisher.Publish(1), ids);
        await scenario.AllEndedAsync(ids, 1);
        await scenario.StopFleetAsync();
        var steps = ids.ToDictionary(id => id, id => scenario.ProgressOf(id).Count);
        var reports = ids.ToDictionary(id => id, id => scenario.ReportedStates(id).Count);

        fleet = await scenario.StartFleetAsync(options);
        await Eventually.UntilAsync(() => ids.All(id => scenario.ReportedStates(id).Count >= reports[id] + 3), "three reports from every restarted device", FleetScenario.Timeout);

        Assert.All(fleet.Snapshot(), device => Assert.Equal(1L, device.Model?.Release));
        Assert.All(ids, id => Assert.Equal((1L, SimulatedModelSwitch.Provider), (scenario.Reported(id)!.Model.Release, scenario.Reported(id)!.ExecutionProvider)));
        Assert.All(ids, id => Assert.Equal(steps[id], scenario.ProgressOf(id).Count));
    }
}
