namespace Inspection.Detection;

/// <summary>An axis-aligned box in pixel coordinates of the original frame (corners, x right, y down).</summary>
public readonly record struct BoundingBox(float X1, float Y1, float X2, float Y2)
{
    public float Width => X2 - X1;

    public float Height => Y2 - Y1;

    public float Area => Math.Max(0, Width) * Math.Max(0, Height);
}
