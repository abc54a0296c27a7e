using Inspection.Detection;

namespace Inspection.EdgeAgent.Storage;

/// <summary>A stored detection: class, confidence and box in pixels of the original frame.</summary>
public sealed class DetectionRecord
{
    public int ClassId { get; set; }

    public string ClassName { get; set; } = string.Empty;

    public float Confidence { get; set; }

    public float X1 { get; set; }

    public float Y1 { get; set; }

    public float X2 { get; set; }

    public float Y2 { get; set; }

    public static DetectionRecord From(Detection.Detection detection) => new()
    {
        ClassId = detection.ClassId,
        ClassName = detection.ClassName,
        Confidence = detection.Confidence,
        X1 = detection.Box.X1,
        Y1 = detection.Box.Y1,
        X2 = detection.Box.X2,
        Y2 = detection.Box.Y2,
    };

    public static List<DetectionRecord> From(IReadOnlyList<Detection.Detection> detections)
    {
        var records = new List<DetectionRecord>(detections.Count);
        foreach (var detection in detections)
        {
            records.Add(From(detection));
        }

        return records;
    }

    public Detection.Detection ToDetection() => new(ClassId, ClassName, Confidence, new BoundingBox(X1, Y1, X2, Y2));
}
