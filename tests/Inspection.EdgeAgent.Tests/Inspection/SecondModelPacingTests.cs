using Inspection.Detection;
using Inspection.EdgeAgent.Capture;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Inspection;
using Inspection.EdgeAgent.Ota;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OpenCvSharp;

namespace Inspection.EdgeAgent.Tests.Inspection;

/// <summary>
/// During a model change a second model runs beside the deciding one only on frames that leave time for it, so the
/// line keeps its frame rate when two models do not fit in one frame (a CPU). The models are real (the brightness
/// test model); each inference moves a fake clock on by a set cost, so the loop's timing is exact and the tests
/// assert what the loop does with it, not how fast this machine is.
/// </summary>
public sealed class SecondModelPacingTests : IDisposable
{
    private const double Fps = 15;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1 / Fps);
    private readonly TempDirectory _temp = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero));
    private readonly FramePacer _pacer;
    private readonly string _modelPath;
    private readonly EdgeDatabase _database;
    private readonly List<IDisposable> _owned = [];

    public SecondModelPacingTests()
    {
        _pacer = new FramePacer(Fps, _time);
        _modelPath = TestModels.Brightness(_temp.File("brightness.onnx"));
        _database = new EdgeDatabase(_temp.File("edge.db"));
    }

    [Fact]
    public async Task Shadow_TwoModelsDoNotFitInAFrame_FrameRateHoldsAndTheCandidateRunsOnSomeFrames()
    {
        // 37 ms per model at 15 fps (66.7 ms): both on every frame would take 74 ms.
        var (inspector, models) = Create(decidingMs: 37, otaOptions: new OtaOptions());
        var transition = Begin(models, candidateMs: 37, shadowFrames: 1000);

        var starts = await RunFramesAsync(inspector, 60);

        // Every frame starts within the allowed lateness of its slot: the schedule is kept, the frame rate holds.
        for (var i = 0; i < starts.Count; i++)
        {
            Assert.InRange(starts[i] - (starts[0] + (Interval * i)), TimeSpan.Zero, Interval * 0.25);
        }

        var paired = transition.ShadowSoFar.Frames;
        Assert.InRange(paired, 1, 59);
    }

    [Fact]
    public async Task Shadow_EveryFrameForced_TheLineFallsBehind()
    {
        // The same models with the second one on every frame (MinSecondModelShare 1): what the pacing above prevents.
        var (inspector, models) = Create(decidingMs: 37, otaOptions: new OtaOptions { MinSecondModelShare = 1 });
        var transition = Begin(models, candidateMs: 37, shadowFrames: 1000);

        var starts = await RunFramesAsync(inspector, 60);

        Assert.Equal(60, transition.ShadowSoFar.Frames);
        Assert.True(starts[^1] - starts[0] > Interval * 60, $"60 frames of 74 ms each started over {(starts[^1] - starts[0]).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Shadow_LineLeavesNoTime_CandidateRunsOnTheMinimumShareOfFrames()
    {
        // 60 ms per model at 15 fps: no frame has room for a second inference, so only the minimum share (1 in 5) gets one.
        var (inspector, models) = Create(decidingMs: 60, otaOptions: new OtaOptions { MinSecondModelShare = 0.2 });
        var transition = Begin(models, candidateMs: 60, shadowFrames: 1000);

        await RunFramesAsync(inspector, 50);

        Assert.Equal(10, transition.ShadowSoFar.Frames);
    }

    [Fact]
    public async Task Swap_AskedForAfterAFrameThatRanBothModels_HappensAfterTheNextFrameThatRanAlone()
    {
        // 20 ms per model: both fit in every frame, so the frame that ends the shadow ran both.
        var (inspector, models) = Create(decidingMs: 20, otaOptions: new OtaOptions());
        var transition = Begin(models, candidateMs: 20, shadowFrames: 3);

        await RunFramesAsync(inspector, 3);
        Assert.True(transition.Shadowed.IsCompletedSuccessfully);
        models.Swap(transition);

        await RunFramesAsync(inspector, 1);
        Assert.False(transition.SwapApplied.IsCompleted);
        Assert.Null(_database.ResultCollection.FindById(4).ModelRelease);

        await RunFramesAsync(inspector, 1);
        await transition.SwapApplied.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal(2, _database.ResultCollection.FindById(5).ModelRelease);
        var timing = await transition.FirstFrameAfterSwap.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal(4, timing.LastOldFrameSequence);
        Assert.Equal(5, timing.FirstNewFrameSequence);
        Assert.Equal(Interval, timing.Gap);
    }

    [Fact]
    public async Task HealthWindow_NewModelFailsOnAFrameThatRanAlone_RolledBackAtOnce()
    {
        // 60 ms per model: after the swap the previous model gets no room beside the new one, yet the new model's
        // failure on a frame it decided alone still ends the window.
        var (inspector, models) = Create(decidingMs: 60, otaOptions: new OtaOptions { MinSecondModelShare = 0 });
        var failing = new TimedDetector(TestModels.LoadBrightness(_temp.Folder("failing")), _time, TimeSpan.FromMilliseconds(60)) { Fails = true };
        var transition = new ModelTransition(new LoadedModel(failing, TestModels.BrightnessBand.ToBand(), 2, null), 0, new HealthBounds(30, 0, 2, 5, 2, 0.1));
        models.Begin(transition);
        models.Swap(transition);

        await RunFramesAsync(inspector, 2);

        var health = await transition.Watched.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.False(health.Healthy);
        Assert.Contains("failed on 1 of 1 frames after the swap", health.Reason, StringComparison.Ordinal);
        Assert.Equal(0, transition.WatchedFrames);
    }

    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        _database.Dispose();
        _temp.Dispose();
    }

    private (FrameInspector Inspector, ActiveModel Models) Create(double decidingMs, OtaOptions otaOptions)
    {
        var models = new ActiveModel(
            options => new TimedDetector(OnnxDetector.Load(options, NullLogger.Instance), _time, TimeSpan.FromMilliseconds(decidingMs)),
            TestOptions.Of(TestModels.Options(_modelPath)),
            TestOptions.Of(TestModels.BrightnessBand),
            new CommittedModelFile(_temp.Folder("models")),
            _pacer,
            TestOptions.Of(otaOptions),
            _time,
            NoSystemd.Watchdog(_time),
            NullLogger<ActiveModel>.Instance);
        models.StartAsync(TestContext.Current.CancellationToken).GetAwaiter().GetResult();
        _owned.Add(models);
        var storage = TestOptions.Of(new StorageOptions { SequenceBlockSize = 1000 });
        var inspector = new FrameInspector(
            models,
            new SequenceCounter(_database, storage),
            new ResultStore(_database, storage),
            new OutboxStore(_database),
            new EdgeStats(),
            TestDegradation.For(_database, _time, _pacer),
            TestOptions.Of(new OutboxOptions()),
            TestOptions.Edge(),
            _time,
            NullLogger<FrameInspector>.Instance);
        return (inspector, models);
    }

    private ModelTransition Begin(ActiveModel models, double candidateMs, int shadowFrames)
    {
        var candidate = new TimedDetector(TestModels.LoadBrightness(_temp.Folder("candidate")), _time, TimeSpan.FromMilliseconds(candidateMs));
        var transition = new ModelTransition(new LoadedModel(candidate, TestModels.BrightnessBand.ToBand(), 2, null), shadowFrames, new HealthBounds(30, 0, 2, 5, 2, 0.1));
        models.Begin(transition);
        return transition;
    }

    /// <summary>The inspection loop on the fake clock: wait for the frame's slot (moving the clock there), inspect. Returns when each frame started.</summary>
    private async Task<List<DateTimeOffset>> RunFramesAsync(FrameInspector inspector, int frames)
    {
        var starts = new List<DateTimeOffset>();
        using var frame = Frames.Grey(TestModels.PassGrey);
        for (var i = 0; i < frames; i++)
        {
            if (_pacer.NextDue is { } due && due > _time.GetUtcNow())
            {
                _time.Advance(due - _time.GetUtcNow());
            }

            await _pacer.WaitAsync(TestContext.Current.CancellationToken);
            starts.Add(_time.GetUtcNow());
            inspector.Inspect(frame, _time.GetUtcNow());
        }

        return starts;
    }

    /// <summary>A real detector whose every inference costs a set time on the fake clock (and, when told, fails).</summary>
    private sealed class TimedDetector(IDetector inner, FakeTimeProvider time, TimeSpan cost) : IDetector
    {
        public bool Fails { get; init; }

        public ModelMetadata Model => inner.Model;

        public string ExecutionProvider => inner.ExecutionProvider;

        public IReadOnlyList<Detection.Detection> Detect(Mat frame)
        {
            var detections = inner.Detect(frame);
            time.Advance(cost);
            return Fails ? throw new InvalidOperationException("inference failed") : detections;
        }

        public void Dispose() => inner.Dispose();
    }
}
