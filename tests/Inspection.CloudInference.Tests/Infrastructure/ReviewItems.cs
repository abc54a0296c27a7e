using Inspection.CloudInference.Escalations;
using Microsoft.Extensions.DependencyInjection;

namespace Inspection.CloudInference.Tests.Infrastructure;

/// <summary>
/// Items for the review queue written straight into the cloud's store (as <see cref="EscalationProcessor"/> writes
/// them), when a test needs exact scores, boxes, lines and times that a grey frame through the model cannot give.
/// </summary>
public static class ReviewItems
{
    /// <summary>A 640×480 frame: the size the page's boxes are checked at.</summary>
    public const int Width = 640;
    public const int Height = 480;

    public static StoredDetection Box(double score, double x1, double y1, double x2, double y2, string className = "scratch", int classId = 0) =>
        new() { ClassId = classId, ClassName = className, Confidence = score, X1 = x1, Y1 = y1, X2 = x2, Y2 = y2 };

    /// <summary>
    /// Stores an uncertain part of <paramref name="frames"/> frames (sequences part+10, +11, …, or <paramref name="sequences"/>),
    /// each with the given cloud boxes and, when given, the part's box and the frames' image (default a plain grey JPEG).
    /// </summary>
    public static StoredEscalation AddPart(
        TestCloud cloud,
        string deviceId,
        long partId,
        IReadOnlyList<StoredDetection> cloudBoxes,
        string line = "line-1",
        DateTimeOffset? receivedAt = null,
        int frames = 1,
        IReadOnlyList<StoredDetection>? edgeBoxes = null,
        string edgeModel = "edge",
        string edgeVersion = "1.0.0",
        long edgeRelease = 0,
        string verdict = Verdicts.Uncertain,
        IReadOnlyList<long>? sequences = null,
        StoredPartBox? partBox = null,
        byte[]? jpeg = null,
        string? edgeAudit = null)
    {
        var at = receivedAt ?? new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);
        jpeg ??= TestFrames.Jpeg(90, Width, Height);
        var part = new StoredPart { PartId = partId, Source = "tracker", FramesSeen = 5, FramesUncertain = frames, FirstSeen = at, LastSeen = at };
        for (var i = 0; i < (sequences?.Count ?? frames); i++)
        {
            part.Frames.Add(new StoredPartFrame
            {
                Sequence = sequences?[i] ?? partId + 10 + i,
                PartBox = partBox,
                CapturedAt = at,
                Width = Width,
                Height = Height,
                JpegBytes = jpeg.Length,
                EdgeDetections = [.. edgeBoxes ?? [Box(0.4, 10, 10, 50, 50)]],
                CloudDetections = [.. cloudBoxes],
                Verdict = verdict,
            });
        }

        var escalation = new StoredEscalation
        {
            Key = StoredEscalation.KeyOf(deviceId, (ulong)partId),
            DeviceId = deviceId,
            Sequence = partId,
            LineId = line,
            CapturedAt = at,
            ReceivedAt = at,
            ReceivedTicks = at.UtcTicks,
            Width = Width,
            Height = Height,
            JpegBytes = jpeg.Length,
            EdgeModelName = edgeModel,
            EdgeModelVersion = edgeVersion,
            EdgeModelRelease = edgeRelease,
            EdgeDetections = [.. part.Frames[0].EdgeDetections],
            Reason = edgeAudit is null ? "uncertain part" : $"audit: the edge decided {edgeAudit}",
            EdgeAudit = edgeAudit,
            CloudModelName = "brightness-test",
            CloudModelVersion = "1.0.0",
            CloudDetections = [.. cloudBoxes],
            Verdict = verdict,
            Part = part,
        };
        var stored = cloud.App.Services.GetRequiredService<IEscalationStore>().TryAdd(
            escalation, [.. part.Frames.Select(f => (StoredPart.FrameKeyOf(deviceId, partId, f.Sequence), jpeg))]);
        Assert.True(stored, $"{escalation.Key} was stored already");
        return escalation;
    }
}
