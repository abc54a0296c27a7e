namespace Inspection.Detection.Parts;

/// <summary>A tracked part as seen in one frame, in the frame's pixel coordinates.</summary>
/// <param name="PartId">The tracker's id for the part: the same from the frame it enters to the frame it leaves.</param>
/// <param name="CenterX">Centre of the visible silhouette, x.</param>
/// <param name="CenterY">Centre of the visible silhouette, y.</param>
/// <param name="Area">Visible silhouette area in frame pixels (holes in the part not counted).</param>
/// <param name="Box">Bounding box of the visible silhouette in frame pixels.</param>
/// <param name="WholeInView">False while the silhouette touches the left or right edge of the image (the part is
/// entering or leaving): such a view shows only some of the part.</param>
public readonly record struct PartSighting(long PartId, float CenterX, float CenterY, float Area, BoundingBox Box, bool WholeInView)
{
    /// <summary>
    /// Whether a detection belongs to this part: its centre lies in the part's box grown by
    /// <paramref name="margin"/> pixels on every side (a defect on the part's rim may reach past the silhouette).
    /// </summary>
    public bool Holds(Detection detection, float margin) => Holds(Box, detection, margin);

    /// <summary>Whether <paramref name="detection"/>'s centre lies in <paramref name="partBox"/> grown by <paramref name="margin"/> pixels on every side.</summary>
    public static bool Holds(BoundingBox partBox, Detection detection, float margin)
    {
        ArgumentNullException.ThrowIfNull(detection);
        var x = (detection.Box.X1 + detection.Box.X2) / 2;
        var y = (detection.Box.Y1 + detection.Box.Y2) / 2;
        return x >= partBox.X1 - margin && x <= partBox.X2 + margin && y >= partBox.Y1 - margin && y <= partBox.Y2 + margin;
    }
}
