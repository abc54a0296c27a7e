using Inspection.Detection;

namespace Inspection.EdgeAgent.Storage;

/// <summary>A part's box in one frame, in frame pixels, as stored.</summary>
public sealed class PartBoxRecord
{
    public float X1 { get; set; }

    public float Y1 { get; set; }

    public float X2 { get; set; }

    public float Y2 { get; set; }

    public static PartBoxRecord From(BoundingBox box) => new() { X1 = box.X1, Y1 = box.Y1, X2 = box.X2, Y2 = box.Y2 };
}
