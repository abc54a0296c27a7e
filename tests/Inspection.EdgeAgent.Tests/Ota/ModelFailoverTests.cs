using Inspection.Contracts.Mqtt;
using Inspection.Detection.Packaging;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Ota;
using Inspection.EdgeAgent.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Inspection.EdgeAgent.Tests.Ota;

/// <summary>
/// A committed release that fails at run time, on the real agent host: the release is a real ONNX model that passes
/// loading, the golden set, the shadow and the health window on the usual line, and fails in ONNX Runtime's Run once
/// the line shows glare (<see cref="TestModels.FailingOnGlare"/>). The device fails over by itself to the model the
/// release replaced, or, with none recorded, stays safe.
/// </summary>
public sealed class ModelFailoverTests
{
    [Fact]
    public async Task Failover_ReleaseReplacedTheConfiguredModel_BackOnTheConfiguredModelCommittedAndSafeLeft()
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        await scenario.StartAsync();
        var release1 = scenario.Packages.Publish(1, TestModels.FailingOnGlare(scenario.TempFile("v1.onnx"), "1.1.0"));
        scenario.Desire(release1);
        var update = await scenario.EndedAsync(1);
        Assert.True(update.State == OtaStates.Committed, update.Reason);
        var safeEntered = WatchForSafe(scenario);
        var before = scenario.Progress.Count;

        scenario.ShowOnTheLine(TestModels.GlareGrey);

        var back = await EndedAfterAsync(scenario, 0, before);
        Assert.True(back.State == OtaStates.Committed, back.Reason);
        Assert.Matches(@"^failover: release 1 failed on \d+ frames in a row; back on the configured model, release 1 is not taken again$", back.Reason);
        Assert.Equal([OtaStates.Queued, OtaStates.Loading, OtaStates.Shadowing, OtaStates.Swapped, OtaStates.Committed], StatesAfter(scenario, 0, before));
        Assert.Null(scenario.Current.Release);
        Assert.False(File.Exists(Path.Combine(scenario.ModelsPath, CommittedModelFile.FileName)));
        Assert.True(scenario.Host.Services.GetRequiredService<UpdateStore>().HasFailed(1));
        Assert.True(safeEntered(), "the device never went safe while release 1 failed");
        Assert.True(scenario.Stats.DetectorErrors >= 3, $"release 1 failed on {scenario.Stats.DetectorErrors} frames");

        // The configured model decides the glare frames, so the model-failing cause leaves.
        var state = scenario.Host.Services.GetRequiredService<DeviceState>();
        await Eventually.UntilAsync(() => !state.HasCause(DegradationCause.ModelFailing), "the model-failing cause to leave after the failover");
        Assert.Null(scenario.Results()[^1].Release);

        // The desired state still names release 1: it is not taken again.
        await scenario.MoreFramesAsync(10);
        Assert.DoesNotContain(scenario.Progress.Skip(before), p => p.Release == 1);
        Assert.Null(scenario.Current.Release);
    }

    [Fact]
    public async Task Failover_ReleaseReplacedAnEarlierRelease_BackOnThatReleaseVerifiedFromItsKeptFolder()
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        await scenario.StartAsync();
        var release1 = scenario.Packages.Publish(1, TestModels.Brightness(scenario.TempFile("v1.onnx"), "1.1.0"));
        scenario.Desire(release1);
        Assert.Equal(OtaStates.Committed, (await scenario.EndedAsync(1)).State);
        scenario.Desire(scenario.Packages.Publish(2, TestModels.FailingOnGlare(scenario.TempFile("v2.onnx"), "1.2.0")));
        var update = await scenario.EndedAsync(2);
        Assert.True(update.State == OtaStates.Committed, update.Reason);
        Assert.Equal(1L, new CommittedModelFile(scenario.ModelsPath).Read()!.Previous);
        var safeEntered = WatchForSafe(scenario);
        var before = scenario.Progress.Count;
        var requestsBefore = scenario.Server.Requests.Count;

        scenario.ShowOnTheLine(TestModels.GlareGrey);

        var back = await EndedAfterAsync(scenario, 1, before);
        Assert.True(back.State == OtaStates.Committed, back.Reason);
        Assert.Matches(@"^failover: release 2 failed on \d+ frames in a row; back on release 1, release 2 is not taken again$", back.Reason);
        Assert.Equal(
            [OtaStates.Queued, OtaStates.Verifying, OtaStates.Loading, OtaStates.Validating, OtaStates.Shadowing, OtaStates.Swapped, OtaStates.Committed],
            StatesAfter(scenario, 1, before));
        Assert.Equal((1L, release1.Sha256), (scenario.Current.Release, scenario.Current.Sha256));
        Assert.True(safeEntered(), "the device never went safe while release 2 failed");

        // Taken from the folder kept on the device, not downloaded again; the pointer names it with no further step back.
        Assert.Equal(requestsBefore, scenario.Server.Requests.Count);
        var committed = new CommittedModelFile(scenario.ModelsPath).Read()!;
        Assert.Equal((1L, (long?)null), (committed.Release, committed.Previous));
        Assert.Equal(Path.Combine(scenario.ModelsPath, "1", "model.onnx"), committed.ModelPath);
        Assert.True(scenario.Host.Services.GetRequiredService<UpdateStore>().HasFailed(2));

        var state = scenario.Host.Services.GetRequiredService<DeviceState>();
        await Eventually.UntilAsync(() => !state.HasCause(DegradationCause.ModelFailing), "the model-failing cause to leave after the failover");
        Assert.Equal(1L, scenario.Results()[^1].Release);

        // The desired state still names release 2: it is not taken again.
        await scenario.MoreFramesAsync(10);
        Assert.DoesNotContain(scenario.Progress.Skip(before), p => p.Release == 2);
        Assert.Equal(1L, scenario.Current.Release);
    }

    [Fact]
    public async Task Failover_KeptReleaseAlteredOnDisk_RefusedAndTheDeviceStaysSafe()
    {
        await using var scenario = await UpdateScenario.CreateAsync();
        await scenario.StartAsync();
        scenario.Desire(scenario.Packages.Publish(1, TestModels.Brightness(scenario.TempFile("v1.onnx"), "1.1.0")));
        Assert.Equal(OtaStates.Committed, (await scenario.EndedAsync(1)).State);
        scenario.Desire(scenario.Packages.Publish(2, TestModels.FailingOnGlare(scenario.TempFile("v2.onnx"), "1.2.0")));
        Assert.Equal(OtaStates.Committed, (await scenario.EndedAsync(2)).State);
        var before = scenario.Progress.Count;

        // Other weights put where release 1 was kept: the signed manifest still names the old ones.
        File.Copy(TestModels.Brightness(scenario.TempFile("other.onnx"), "6.6.6"), Path.Combine(scenario.ModelsPath, "1", "model.onnx"), overwrite: true);
        scenario.ShowOnTheLine(TestModels.GlareGrey);

        var refused = await EndedAfterAsync(scenario, 1, before);
        Assert.Equal(OtaStates.Failed, refused.State);
        Assert.Matches(@"^failover: release 2 failed on \d+ frames in a row; model\.onnx as kept does not match the SHA-256 in the signed manifest$", refused.Reason);
        Assert.DoesNotContain(OtaStates.Loading, StatesAfter(scenario, 1, before));
        Assert.Equal(2L, scenario.Current.Release);
        Assert.True(scenario.Host.Services.GetRequiredService<DeviceState>().HasCause(DegradationCause.ModelFailing));
        Assert.False(scenario.Host.Services.GetRequiredService<UpdateStore>().HasFailed(2));
    }

    [Fact]
    public async Task Failover_NoStepBackRecorded_StaysSafeOnTheFailingRelease()
    {
        await using var scenario = await UpdateScenario.CreateAsync();

        // What a rollback leaves: release 1 committed with no model before it to return to.
        var folder = Directory.CreateDirectory(Path.Combine(scenario.ModelsPath, "1")).FullName;
        var model = TestModels.FailingOnGlare(Path.Combine(folder, "model.onnx"), "1.1.0");
        new CommittedModelFile(scenario.ModelsPath).Write(new CommittedModel(
            1, "brightness", "1.1.0", ModelPackage.Sha256OfFile(model), model, Path.Combine(scenario.ModelsPath, "trt-cache"), OtaPackages.Recommended, Previous: null));
        scenario.ShowOnTheLine(TestModels.GlareGrey);

        await scenario.StartAsync();

        var state = scenario.Host.Services.GetRequiredService<DeviceState>();
        await Eventually.UntilAsync(() => state.HasCause(DegradationCause.ModelFailing), "the model-failing cause to enter");
        Assert.Equal(DegradationMode.Safe, state.EffectiveMode);

        // The worker is woken when the cause enters; many failed frames later nothing has been tried.
        var errors = scenario.Stats.DetectorErrors;
        await Eventually.UntilAsync(() => scenario.Stats.DetectorErrors >= errors + 30, "30 more frames the release fails on");
        Assert.Empty(scenario.Progress);
        Assert.Equal(1L, scenario.Current.Release);
        Assert.True(state.HasCause(DegradationCause.ModelFailing));
    }

    /// <summary>Returns whether the model-failing cause has been in force since this call.</summary>
    private static Func<bool> WatchForSafe(UpdateScenario scenario)
    {
        var state = scenario.Host.Services.GetRequiredService<DeviceState>();
        var seen = 0;
        state.Changed += () =>
        {
            if (state.HasCause(DegradationCause.ModelFailing) && state.EffectiveMode == DegradationMode.Safe)
            {
                Volatile.Write(ref seen, 1);
            }
        };
        return () => Volatile.Read(ref seen) == 1;
    }

    private static async Task<OtaProgress> EndedAfterAsync(UpdateScenario scenario, long release, int skip)
    {
        OtaProgress? last = null;
        await Eventually.UntilAsync(
            () => (last = scenario.Progress.Skip(skip).LastOrDefault(p => p.Release == release && OtaStates.IsFinal(p.State))) is not null,
            $"the failover to release {release} to end (steps so far: {string.Join(", ", scenario.Progress.Skip(skip).Select(p => $"{p.Release}:{p.State}"))})",
            TimeSpan.FromSeconds(60));
        return last!;
    }

    private static List<string> StatesAfter(UpdateScenario scenario, long release, int skip) =>
        [.. scenario.Progress.Skip(skip).Where(p => p.Release == release).Select(p => p.State).Aggregate(new List<string>(), (list, state) =>
        {
            if (list.Count == 0 || list[^1] != state)
            {
                list.Add(state);
            }

            return list;
        })];
}
