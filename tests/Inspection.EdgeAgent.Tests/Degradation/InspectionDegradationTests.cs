using Inspection.Contracts.Mqtt;
using Inspection.Detection;
using Inspection.EdgeAgent.Capture;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Degradation;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Inspection;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;
using Inspection.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Inspection.EdgeAgent.Tests.Degradation;

/// <summary>The inspection loop's automatic causes and modes, over a real device state in LiteDB.</summary>
public sealed class InspectionDegradationTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero));
    private readonly EdgeDatabase _database;
    private readonly DeviceState _state;
    private readonly DeviceEvents _events;

    public InspectionDegradationTests()
    {
        _database = new EdgeDatabase(_temp.File("edge.db"));
        _state = new DeviceState(new ControlStateStore(_database));
        _events = new DeviceEvents(TestOptions.Edge(), _time);
    }

    [Fact]
    public void Inspected_SlowerThanTheFrameForAWindow_EntersReducedWithAFittingNAndLeavesOnlyAfterAWindowOfFastFrames()
    {
        // 100 fps: a 10 ms budget; the model takes 30 ms.
        var degradation = Create(new FramePacer(100, _time), new DegradationOptions { SlowWindowFrames = 5 });

        for (var i = 0; i < 4; i++)
        {
            degradation.Inspected(TimeSpan.FromMilliseconds(30));
        }

        Assert.False(_state.HasCause(DegradationCause.InferenceSlow));
        degradation.Inspected(TimeSpan.FromMilliseconds(30));

        Assert.Equal(DegradationMode.Reduced, _state.EffectiveMode);
        Assert.Equal(4, degradation.EveryNth); // 30 ms over 10 ms with 20 % headroom (SlowLeaveShare 0.8)
        Assert.Equal([FrameAction.Inspect, FrameAction.Skip, FrameAction.Skip, FrameAction.Skip, FrameAction.Inspect], Enumerable.Range(0, 5).Select(_ => degradation.NextFrame()));
        Assert.Contains("every 4th frame", _state.AutomaticReason, StringComparison.Ordinal);

        // Cooled down: the smoothed time falls below 8 ms after a few frames, then a full window of fast frames is needed.
        var fast = 0;
        while (_state.HasCause(DegradationCause.InferenceSlow) && fast < 100)
        {
            degradation.Inspected(TimeSpan.FromMilliseconds(1));
            fast++;
        }

        Assert.InRange(fast, 6, 100);
        Assert.Equal(1, degradation.EveryNth);
        Assert.Equal(["degraded", "recovered"], Drain().Select(e => e.Type));
    }

    [Fact]
    public void Inspected_SlowButTheCauseSwitchedOff_KeepsInspectingEveryFrame()
    {
        var degradation = Create(new FramePacer(100, _time), new DegradationOptions { SlowWindowFrames = 5, InferenceSlowEnabled = false });

        for (var i = 0; i < 50; i++)
        {
            degradation.Inspected(TimeSpan.FromMilliseconds(30));
        }

        Assert.False(_state.HasCause(DegradationCause.InferenceSlow));
        Assert.Equal(DegradationMode.Normal, _state.EffectiveMode);
        Assert.Equal(1, degradation.EveryNth);
        Assert.Empty(Drain());
    }

    [Fact]
    public void Inspected_OneSlowFrameAmongFastOnes_DoesNotDegrade()
    {
        var degradation = Create(new FramePacer(100, _time), new DegradationOptions { SlowWindowFrames = 3 });

        foreach (var ms in new[] { 5, 5, 40, 5, 5, 5, 5, 5, 5, 5 })
        {
            degradation.Inspected(TimeSpan.FromMilliseconds(ms));
        }

        Assert.False(_state.HasCause(DegradationCause.InferenceSlow));
        Assert.Empty(Drain());
    }

    [Fact]
    public void CaptureFailed_ThreeAttemptsInARow_CameraLostPausedUntilThreeFramesFlowAgain()
    {
        var degradation = Create(new FramePacer(0, _time), new DegradationOptions());

        degradation.CaptureFailed("cannot open the stream; reconnecting");
        degradation.CaptureFailed("cannot open the stream; reconnecting");
        degradation.FrameRead();
        degradation.CaptureFailed("cannot open the stream; reconnecting");
        degradation.CaptureFailed("cannot open the stream; reconnecting");
        Assert.False(_state.HasCause(DegradationCause.CameraLost));
        degradation.CaptureFailed("cannot open the stream; reconnecting");

        var cause = Assert.Single(_state.AutomaticCauses);
        Assert.Equal(("camera-lost", "paused"), (cause.Cause, cause.Mode));
        Assert.Equal(DegradationMode.Paused, _state.EffectiveMode);

        // The frames that show the camera is back are inspected, not discarded by the camera's own pause.
        degradation.FrameRead();
        Assert.Equal(FrameAction.Inspect, degradation.NextFrame());
        degradation.FrameRead();
        Assert.True(_state.HasCause(DegradationCause.CameraLost));
        degradation.FrameRead();

        Assert.Equal(DegradationMode.Normal, _state.EffectiveMode);
        Assert.Equal(["degraded", "recovered"], Drain().Select(e => e.Type));
    }

    [Fact]
    public void DetectorFailed_ThreeFramesInARow_SafeUntilTenGoodFrames()
    {
        var degradation = Create(new FramePacer(0, _time), new DegradationOptions());

        for (var i = 0; i < 3; i++)
        {
            degradation.DetectorFailed("CUDA failure 700");
        }

        Assert.Equal(DegradationMode.Safe, _state.EffectiveMode);
        Assert.True(degradation.SafeInForce);
        Assert.Contains("CUDA failure 700", _state.AutomaticReason, StringComparison.Ordinal);

        for (var i = 0; i < 9; i++)
        {
            degradation.Inspected(TimeSpan.FromMilliseconds(5));
        }

        Assert.True(degradation.SafeInForce);
        degradation.Inspected(TimeSpan.FromMilliseconds(5));
        Assert.False(degradation.SafeInForce);
    }

    [Fact]
    public void NextFrame_CommandedReducedAndCloudLost_EveryNthInspectedAndTheMostSevereModeReported()
    {
        var degradation = Create(new FramePacer(0, _time), new DegradationOptions { ReducedEveryNth = 3 });
        _state.Apply(new DesiredState(1, 1, DegradationModes.Reduced));
        _state.SetCause(DegradationCause.CloudUnreachable, DegradationMode.LocalOnly, "test", _time.GetUtcNow());

        var actions = Enumerable.Range(0, 6).Select(_ => degradation.NextFrame()).ToList();

        Assert.Equal([FrameAction.Inspect, FrameAction.Skip, FrameAction.Skip, FrameAction.Inspect, FrameAction.Skip, FrameAction.Skip], actions);
        Assert.Equal(DegradationMode.LocalOnly, _state.EffectiveMode);
        Assert.True(_state.IsInForce(DegradationMode.Reduced));
    }

    [Fact]
    public void NextFrame_CommandedPaused_DiscardsEveryFrame()
    {
        var degradation = Create(new FramePacer(0, _time), new DegradationOptions());
        _state.Apply(new DesiredState(1, 1, DegradationModes.Paused));

        Assert.All(Enumerable.Range(0, 3).Select(_ => degradation.NextFrame()), a => Assert.Equal(FrameAction.Discard, a));
    }

    [Fact]
    public async Task Loop_RealInt8ModelAtAFrameRateItCannotKeep_GoesReducedSkipsFramesAndLosesNoSequence()
    {
        // The shipped int8 edge model on this CPU against a 1 ms frame budget (1000 fps), on the real clock.
        var modelPath = RepositoryRoot.Combine("models", "edge", "inspection-edge.onnx");
        using var models = TestModels.Active(modelPath, _temp.Folder("models"));
        var pacer = new FramePacer(1000, TimeProvider.System);
        var degradation = Create(pacer, new DegradationOptions { SlowWindowFrames = 5 }, TimeProvider.System);
        var stats = new EdgeStats();
        var storage = TestOptions.Of(new StorageOptions { SequenceBlockSize = 1000 });
        var results = new ResultStore(_database, storage);
        var inspector = new FrameInspector(
            models,
            new SequenceCounter(_database, storage),
            results,
            new OutboxStore(_database),
            stats,
            degradation,
            TestOptions.Of(new OutboxOptions()),
            TestOptions.Edge(),
            TimeProvider.System,
            NullLogger<FrameInspector>.Instance);
        using var frame = Frames.Grey(TestModels.UncertainGrey, 640, 480);
        var sequences = new List<long>();
        var read = 0;

        while (read < 400 && (!_state.HasCause(DegradationCause.InferenceSlow) || sequences.Count < 12))
        {
            await pacer.WaitAsync(TestContext.Current.CancellationToken);
            read++;
            if (degradation.NextFrame() == FrameAction.Inspect)
            {
                sequences.Add(inspector.Inspect(frame, TimeProvider.System.GetUtcNow())!.Sequence);
            }
            else
            {
                stats.FrameSkipped();
            }
        }

        Assert.True(_state.HasCause(DegradationCause.InferenceSlow), $"smoothed inference {degradation.SmoothedInferenceMs} ms");
        Assert.True(degradation.EveryNth >= 2);
        Assert.Equal(read, sequences.Count + stats.Skipped);
        Assert.True(stats.Skipped > 0);
        Assert.Equal(Enumerable.Range((int)sequences[0], sequences.Count).Select(i => (long)i), sequences);
        Assert.All(sequences, s => Assert.NotNull(results.Find(s)));
        TestContext.Current.TestOutputHelper?.WriteLine($"int8 smoothed {degradation.SmoothedInferenceMs:0.0} ms; every {degradation.EveryNth}th frame");
    }

    public void Dispose()
    {
        _database.Dispose();
        _temp.Dispose();
    }

    private InspectionDegradation Create(FramePacer pacer, DegradationOptions options, TimeProvider? time = null) =>
        TestDegradation.For(_database, time ?? _time, pacer, options, _state, _events);

    private List<DeviceEvent> Drain()
    {
        var events = new List<DeviceEvent>();
        while (_events.TryPeek(out var deviceEvent))
        {
            events.Add(deviceEvent);
            _events.Dequeue();
        }

        return events;
    }
}
