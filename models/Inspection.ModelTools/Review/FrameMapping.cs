using System.Globalization;

namespace Inspection.ModelTools.Review;

/// <summary>
/// Maps a device's frame sequences to the frames of the line video it watched. The edge numbers only the frames it
/// inspects (1, 2, … in a new database; a skipped frame takes no number), so on an agent that inspected every frame
/// from the start of the video, sequence s is frame s − first; with a looping video, modulo the video's length.
/// </summary>
/// <param name="Truth">The line the device watched.</param>
/// <param name="FirstSequence">The sequence of the video's first frame (1 for a new database).</param>
/// <param name="Loop">The agent looped the video (<c>Capture:Loop=true</c>).</param>
public sealed record FrameMapping(LineTruth Truth, long FirstSequence, bool Loop)
{
    /// <summary>The least share of the item's part box that must lie on a part of the mapped frame.</summary>
    public const double MinPartCover = 0.5;

    /// <summary>The line frame of <paramref name="frame"/>; an <see cref="InvalidDataException"/> saying why when it has none.</summary>
    public TruthFrame Map(string deviceId, ReviewApiFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var offset = frame.Sequence - FirstSequence;
        var count = Truth.Frames.Count;
        if (offset < 0 || (!Loop && offset >= count))
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"frame {frame.Sequence} of {deviceId} has no frame in '{Truth.Directory}' ({count} frames from sequence {FirstSequence}): ")
                + (offset < 0
                    ? "pass the sequence of the video's first frame with --first-sequence"
                    : "the agent looped the video (pass --loop) or did not start on this line with a new database"));
        }

        var line = Truth.Frames[(int)(offset % count)];
        if (frame.PartBox is { } part)
        {
            var area = Math.Max(1e-6, (part.X2 - part.X1) * (part.Y2 - part.Y1));
            var cover = line.Parts.Count == 0 ? 0 : line.Parts.Max(p => Intersection(p, part)) / area;
            if (cover < MinPartCover)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"frame {frame.Sequence} of {deviceId} maps to frame {line.Index} of '{Truth.Directory}', but its part box ")
                    + string.Create(CultureInfo.InvariantCulture, $"({part.X1:F0}, {part.Y1:F0})–({part.X2:F0}, {part.Y2:F0}) lies on no part there ({cover:P0} covered): ")
                    + "the agent skipped frames or watched another video; run it on this line with a new database and "
                    + "Degradation:InferenceSlowEnabled=false so that every frame is inspected");
            }
        }

        return line;
    }

    private static double Intersection(TruthBox a, ReviewApiBox b)
    {
        var w = Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1);
        var h = Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1);
        return w <= 0 || h <= 0 ? 0 : w * h;
    }
}
