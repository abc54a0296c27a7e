namespace Inspection.ModelTools.Line;

/// <summary>
/// One defect in part coordinates. <see cref="Size"/> is the length of a scratch or the radius of a spot;
/// <see cref="Angle"/> and <see cref="Thickness"/> only apply to scratches.
/// </summary>
internal sealed record DefectSpec(int ClassId, double X, double Y, double Size, double Angle, double Thickness, double Contrast, bool Faint)
{
    /// <summary>Clear defects are drawn this much darker than the plate (grey levels)…</summary>
    public const double ClearContrastMin = 55;

    public const double ClearContrastMax = 100;

    /// <summary>…faint ones only this much: visible to a careful eye, ambiguous to a small model.</summary>
    public const double FaintContrastMin = 14;

    public const double FaintContrastMax = 26;

    /// <summary>A faint scratch is a single pixel wide, so it needs more contrast than a faint spot to be as visible.</summary>
    public const double FaintScratchContrastMin = 25;

    public const double FaintScratchContrastMax = 45;

    private const double EdgeMargin = 18;

    public static DefectSpec Create(Random r, double length, double width)
    {
        var classId = r.Next(DefectClasses.Names.Count);
        var faint = r.NextDouble() < 0.35;
        var contrast = !faint ? Uniform(r, ClearContrastMin, ClearContrastMax)
            : classId == DefectClasses.Scratch ? Uniform(r, FaintScratchContrastMin, FaintScratchContrastMax)
            : Uniform(r, FaintContrastMin, FaintContrastMax);
        switch (classId)
        {
            case DefectClasses.Scratch:
            {
                var size = Uniform(r, 30, 80);
                var angle = r.NextDouble() * Math.PI;
                var hx = Math.Abs(Math.Cos(angle)) * size / 2;
                var hy = Math.Abs(Math.Sin(angle)) * size / 2;
                var x = Uniform(r, (-length / 2) + EdgeMargin + hx, (length / 2) - EdgeMargin - hx);
                var y = Uniform(r, (-width / 2) + EdgeMargin + hy, (width / 2) - EdgeMargin - hy);
                return new DefectSpec(classId, x, y, size, angle, faint ? 1 : 2, contrast, faint);
            }

            default:
            {
                var radius = faint ? Uniform(r, 2.5, 4.5) : Uniform(r, 3, 6);
                var x = Uniform(r, (-length / 2) + EdgeMargin + radius, (length / 2) - EdgeMargin - radius);
                var y = Uniform(r, (-width / 2) + EdgeMargin + radius, (width / 2) - EdgeMargin - radius);
                return new DefectSpec(classId, x, y, radius, 0, 0, contrast, faint);
            }
        }
    }

    /// <summary>Whether the defect keeps clear of every hole (a defect touching a hole would be a different defect).</summary>
    public bool Clears(IEnumerable<(double X, double Y, double Radius)> holes) =>
        holes.All(h => DistanceFromPoint(h.X, h.Y) > h.Radius + 16);

    public double DistanceTo(DefectSpec other) =>
        Math.Max(0, Math.Min(DistanceFromPoint(other.X, other.Y), other.DistanceFromPoint(X, Y)) - Reach - other.Reach);

    private static double Uniform(Random r, double min, double max) => min + (r.NextDouble() * (max - min));

    private double Reach => ClassId == DefectClasses.Scratch ? 0 : Size;

    private double DistanceFromPoint(double px, double py)
    {
        if (ClassId != DefectClasses.Scratch)
        {
            return Math.Max(0, Math.Sqrt(((px - X) * (px - X)) + ((py - Y) * (py - Y))) - Size);
        }

        var dx = Math.Cos(Angle);
        var dy = Math.Sin(Angle);
        var t = Math.Clamp(((px - X) * dx) + ((py - Y) * dy), -Size / 2, Size / 2);
        var cx = X + (t * dx);
        var cy = Y + (t * dy);
        return Math.Sqrt(((px - cx) * (px - cx)) + ((py - cy) * (py - cy)));
    }
}
