using System.Text.Json.Serialization;

namespace Inspection.Detection.Packaging;

/// <summary>A detection of the publisher's run, in the golden frame's pixels.</summary>
public sealed record GoldenDetection(int ClassId, string ClassName, float Confidence, float X1, float Y1, float X2, float Y2)
{
    public static GoldenDetection From(Detection detection) =>
        new(detection.ClassId, detection.ClassName, detection.Confidence, detection.Box.X1, detection.Box.Y1, detection.Box.X2, detection.Box.Y2);

    [JsonIgnore]
    public BoundingBox Box => new(X1, Y1, X2, Y2);
}
