using System.Diagnostics;
using Inspection.Detection;
using Inspection.Detection.Parts;
using Inspection.ModelTools.Dataset;
using Inspection.ModelTools.Line;

namespace Inspection.ModelTools.Evaluation.Parts;

/// <summary>
/// Records what a camera on the line sees: consecutive frames from <see cref="DatasetExporter.FirstFrame"/>, the edge
/// model and the real <see cref="PartTracker"/> on every frame. A tracker id stands for the true part most of its
/// sightings fall on (<see cref="PartPlacement.Contains"/> of the sighting's centre), as the tracker bench scores it.
/// </summary>
public static class PartRecorder
{
    /// <summary>The agent's default <c>Parts:DetectionMargin</c>, in pixels.</summary>
    public const float DefaultDetectionMargin = 8;

    /// <param name="line">The line; kept by the clip to render frames again when the cloud is asked about them, so it must outlive the clip.</param>
    /// <param name="frameCount">Consecutive frames to record.</param>
    /// <param name="edge">The edge model (run with a score threshold at most the lowest lower edge swept).</param>
    /// <param name="cloud">The cloud model, run only on frames a sweep escalates.</param>
    /// <param name="trackerOptions">The tracker's settings.</param>
    /// <param name="detectionMargin"><c>Parts:DetectionMargin</c> for both the edge and the cloud.</param>
    /// <param name="progress">Called with the frames done; may be null.</param>
    /// <param name="cancellationToken">Stops between frames.</param>
    public static PartRecording Record(
        SyntheticLine line, int frameCount, IDetector edge, IDetector cloud, PartTrackerOptions trackerOptions, float detectionMargin,
        Action<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(edge);
        ArgumentNullException.ThrowIfNull(cloud);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameCount);
        using var tracker = new PartTracker(trackerOptions);
        var views = new Dictionary<long, List<PartView>>();
        var onPart = new Dictionary<long, Dictionary<int, int>>();
        var seen = new Dictionary<int, (int First, int Last, bool Defective)>();
        long renderTicks = 0, edgeTicks = 0, trackerTicks = 0;
        for (var i = 0; i < frameCount; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var start = Stopwatch.GetTimestamp();
            using var rendered = line.Render(DatasetExporter.FirstFrame + i);
            var rendered_ = Stopwatch.GetTimestamp();
            var detections = edge.Detect(rendered.Frame);
            var detected = Stopwatch.GetTimestamp();
            tracker.Track(rendered.Frame);
            var tracked = Stopwatch.GetTimestamp();
            renderTicks += rendered_ - start;
            edgeTicks += detected - rendered_;
            trackerTicks += tracked - detected;

            foreach (var part in rendered.Parts)
            {
                seen[part.PartId] = seen.TryGetValue(part.PartId, out var s) ? (s.First, i, part.IsDefective) : (i, i, part.IsDefective);
            }

            foreach (var sighting in tracker.InView)
            {
                var best = 0f;
                foreach (var detection in detections)
                {
                    if (sighting.Holds(detection, detectionMargin))
                    {
                        best = Math.Max(best, detection.Confidence);
                    }
                }

                if (!views.TryGetValue(sighting.PartId, out var list))
                {
                    views.Add(sighting.PartId, list = []);
                    onPart.Add(sighting.PartId, []);
                }

                list.Add(new PartView(i, best, sighting.Box, sighting.WholeInView));
                if (rendered.Parts.FirstOrDefault(p => p.Contains(sighting.CenterX, sighting.CenterY)) is { } truth)
                {
                    onPart[sighting.PartId][truth.PartId] = onPart[sighting.PartId].GetValueOrDefault(truth.PartId) + 1;
                }
                else
                {
                    onPart[sighting.PartId][-1] = onPart[sighting.PartId].GetValueOrDefault(-1) + 1;
                }
            }

            progress?.Invoke(i + 1);
        }

        var trackedParts = views.Select(kv =>
        {
            var most = onPart[kv.Key].MaxBy(p => p.Value).Key;
            return new TrackedPart(kv.Key, most < 0 ? null : most, kv.Value);
        }).OrderBy(p => p.Id).ToList();
        var trueParts = seen.Select(kv => new TruePart(kv.Key, kv.Value.Defective, kv.Value.First > 0 && kv.Value.Last < frameCount - 1))
            .OrderBy(p => p.Id).ToList();
        var clip = new PartClip(line.Seed, frameCount, trackedParts, trueParts, frame =>
        {
            using var again = line.Render(DatasetExporter.FirstFrame + frame);
            return cloud.Detect(again.Frame);
        }, detectionMargin);
        double PerFrame(long ticks) => ticks * 1000.0 / Stopwatch.Frequency / frameCount;
        return new PartRecording(clip, PerFrame(renderTicks), PerFrame(edgeTicks), PerFrame(trackerTicks));
    }
}
