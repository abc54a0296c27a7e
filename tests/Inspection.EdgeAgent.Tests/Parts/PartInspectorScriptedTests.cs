using Inspection.Detection;
using Inspection.Detection.Parts;
using Inspection.EdgeAgent.Inspection;
using Inspection.EdgeAgent.Parts;
using Inspection.EdgeAgent.Tests.TestSupport;
using Inspection.Tests.Shared;
using OpenCvSharp;

namespace Inspection.EdgeAgent.Tests.Parts;

/// <summary>
/// Tracker mode on scripted frames, where each frame's decision for the part is chosen: a white square (the part)
/// crosses a uniform belt left to right, and the brightness model makes one detection at the centre of the frame scored
/// with the frame's mean brightness. The detection lies on the part only while the part covers the centre; the belt's
/// grey level sets its score (the tracker's threshold sits above every belt level used).
/// </summary>
public sealed class PartInspectorScriptedTests : IDisposable
{
    private const int Size = 240;
    private const int PartSize = 48;
    private const int Step = 8;
    private const byte PassBelt = 16;

    private readonly TempDirectory _temp = new();
    private readonly ActiveModel _model;

    public PartInspectorScriptedTests()
    {
        _model = TestModels.Active(TestModels.Brightness(_temp.File("brightness.onnx")), _temp.Folder("models"));
    }

    [Fact]
    public void Inspect_PartUncertainThenDefect_OpenEntryIsDeletedAndThePartIsRejected()
    {
        using var pipeline = Pipeline(maxFrames: 3);
        var centreFrames = 0;
        var sawOpenEntry = false;
        var closed = Run(pipeline, x =>
        {
            if (!CoversCentre(x))
            {
                return PassBelt;
            }

            centreFrames++;
            return centreFrames <= 2 ? (byte)120 : (byte)230;
        }, afterFrame: () => sawOpenEntry |= pipeline.Database.OutboxCollection.Exists(e => e.Open));

        Assert.True(sawOpenEntry, "the part's uncertain frames never reached the outbox");
        var part = Assert.Single(closed);
        Assert.Equal(Decision.Defect, part.Decision);
        Assert.Equal(0, pipeline.Outbox.Count());
        Assert.Equal(Decision.Defect, pipeline.Outbox.FindPart(part.PartId)!.EdgeDecision);
    }

    [Fact]
    public void Inspect_PartUncertainInSeveralFrames_EscalatesTheKMostInformativeMostInformativeFirst()
    {
        using var pipeline = Pipeline(maxFrames: 2);
        byte[] levels = [100, 140, 120, 130];
        var centreFrames = 0;
        var sequenceOfLevel = new Dictionary<byte, long>();
        var closed = Run(pipeline, x =>
        {
            if (!CoversCentre(x))
            {
                return PassBelt;
            }

            return levels[Math.Min(centreFrames++, levels.Length - 1)];
        }, afterOutcome: (outcome, level) => sequenceOfLevel.TryAdd(level, outcome.Sequence));

        var part = Assert.Single(closed);
        Assert.Equal((Decision.Uncertain, true), (part.Decision, part.Escalated));
        var entry = pipeline.Outbox.Find(part.PartId)!;
        Assert.False(entry.Open);
        Assert.Equal(sequenceOfLevel[140], entry.FrameSequence);
        Assert.Equal([sequenceOfLevel[130]], entry.PartFrames.Select(f => f.Sequence));
        Assert.Equal(centreFrames, entry.FramesUncertain);
        Assert.Equal(part.FramesSeen, entry.FramesSeen);
    }

    [Fact]
    public void Inspect_DetectionOnTheBeltOnly_FrameIsUncertainButThePartPasses()
    {
        using var pipeline = Pipeline(maxFrames: 3);

        // The belt is bright enough for an uncertain score, but the part never covers the centre: it rides at the left.
        var outcomes = new List<InspectionOutcome>();
        for (var x = 0; x <= 40; x += Step)
        {
            using var frame = Scripted(x, 120);
            outcomes.Add(pipeline.Inspector.Inspect(frame, pipeline.Time.GetUtcNow())!);
        }

        var closed = pipeline.Inspector.FrameGap();

        Assert.All(outcomes, o => Assert.Equal(Decision.Uncertain, o.Decision));
        var part = Assert.Single(closed);
        Assert.Equal(Decision.Pass, part.Decision);
        Assert.Equal(0, pipeline.Outbox.Count());
        Assert.All(outcomes, o => Assert.Equal([part.PartId], pipeline.Results.Find(o.Sequence)!.PartIds));
    }

    private PartPipeline Pipeline(int maxFrames) => new(
        _temp.File("edge.db"),
        _model,
        new PartsOptions { Source = PartsOptions.Tracker, MaxEscalatedFrames = maxFrames },
        tracker: new PartTrackerOptions { Threshold = 250 });

    /// <summary>Runs the part from off the left edge to off the right edge and two empty frames; returns the parts closed.</summary>
    private static List<PartOutcome> Run(PartPipeline pipeline, Func<int, byte> beltAt, Action? afterFrame = null, Action<InspectionOutcome, byte>? afterOutcome = null)
    {
        var closed = new List<PartOutcome>();
        for (var x = -PartSize + Step; x < Size + (4 * Step); x += Step)
        {
            var belt = beltAt(x);
            using var frame = Scripted(x, belt);
            var outcome = pipeline.Inspector.Inspect(frame, pipeline.Time.GetUtcNow())!;
            closed.AddRange(outcome.ClosedParts!);
            afterFrame?.Invoke();
            afterOutcome?.Invoke(outcome, belt);
            pipeline.Time.Advance(TimeSpan.FromMilliseconds(66));
        }

        return closed;
    }

    /// <summary>
    /// Whether the part surely holds the frame's centre: 4 px inside its drawn edges (the tracker finds the silhouette
    /// on a shrunk image, so its box may be a pixel or two smaller). Frames near the edge get the pass belt, so whether
    /// their detection is attributed does not change the part's decision.
    /// </summary>
    private static bool CoversCentre(int x) => x + 4 <= Size / 2 && x + PartSize - 4 >= Size / 2;

    private static Mat Scripted(int x, byte belt)
    {
        var frame = new Mat(Size, Size, MatType.CV_8UC3, new Scalar(belt, belt, belt));
        var left = Math.Max(0, x);
        var right = Math.Min(Size, x + PartSize);
        if (right > left)
        {
            frame[new Rect(left, (Size - PartSize) / 2, right - left, PartSize)].SetTo(new Scalar(255, 255, 255));
        }

        return frame;
    }

    public void Dispose()
    {
        _model.Dispose();
        _temp.Dispose();
    }
}
