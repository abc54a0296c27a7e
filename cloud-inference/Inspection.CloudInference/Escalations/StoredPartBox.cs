namespace Inspection.CloudInference.Escalations;

/// <summary>The part's box in one frame, in pixels of the original frame, as stored and as the JSON API shows it.</summary>
public sealed class StoredPartBox
{
    public double X1 { get; set; }

    public double Y1 { get; set; }

    public double X2 { get; set; }

    public double Y2 { get; set; }

    public static StoredPartBox From(Contracts.V1.PartBox box) => new() { X1 = box.X1, Y1 = box.Y1, X2 = box.X2, Y2 = box.Y2 };

    public Detection.BoundingBox ToBox() => new((float)X1, (float)Y1, (float)X2, (float)Y2);
}
