using Inspection.Detection;

namespace Inspection.ModelTools.Line;

/// <summary>A part (a machined plate) as it lies in one rendered frame.</summary>
/// <param name="PartId">Sequence number of the part on the line; the same part keeps its id from frame to frame.</param>
/// <param name="Corners">The plate's four corners in frame pixels, in order around the plate.</param>
/// <param name="Box">The axis-aligned box around the corners, in frame pixels (may reach outside the frame).</param>
/// <param name="IsDefective">True when the part carries at least one defect (visible in this frame or not).</param>
/// <param name="FullyVisible">True when the whole plate is inside the frame.</param>
public sealed record PartPlacement(int PartId, IReadOnlyList<(float X, float Y)> Corners, BoundingBox Box, bool IsDefective, bool FullyVisible)
{
    /// <summary>Whether a frame pixel lies on the plate (inside its outline; holes count as on the plate).</summary>
    public bool Contains(float x, float y)
    {
        var sign = 0;
        for (var i = 0; i < Corners.Count; i++)
        {
            var (ax, ay) = Corners[i];
            var (bx, by) = Corners[(i + 1) % Corners.Count];
            var cross = Math.Sign(((bx - ax) * (y - ay)) - ((by - ay) * (x - ax)));
            if (cross != 0)
            {
                if (sign != 0 && cross != sign)
                {
                    return false;
                }

                sign = cross;
            }
        }

        return true;
    }
}
