namespace Inspection.ModelTools.Line;

/// <summary>
/// One defect in part coordinates. <see cref="Size"/> is the length of a scratch or crack, or the radius of a
/// spot or dent; <see cref="Angle"/> and <see cref="Thickness"/> apply to scratches and cracks; <see cref="Path"/>
/// holds a crack's polylines (trunk first, then an optional branch) relative to (<see cref="X"/>, <see cref="Y"/>).
/// </summary>
internal sealed record DefectSpec(
    int ClassId, double X, double Y, double Size, double Angle, double Thickness, double Contrast, bool Faint,
    IReadOnlyList<IReadOnlyList<(double X, double Y)>> Path)
{
    /// <summary>Clear defects are drawn this much darker than the plate (grey levels)…</summary>
    public const double ClearContrastMin = 55;

    public const double ClearContrastMax = 100;

    /// <summary>…faint ones only this much: visible to a careful eye, ambiguous to a small model.</summary>
    public const double FaintContrastMin = 14;

    public const double FaintContrastMax = 26;

    /// <summary>A faint scratch or crack is a single pixel wide, so it needs more contrast than a faint spot to be as visible.</summary>
    public const double FaintScratchContrastMin = 25;

    public const double FaintScratchContrastMax = 45;

    private const double EdgeMargin = 18;

    public static DefectSpec Create(Random r, double length, double width)
    {
        var classId = r.Next(DefectClasses.Names.Count);
        var faint = r.NextDouble() < 0.35;
        var thin = classId is DefectClasses.Scratch or DefectClasses.Crack;
        var contrast = !faint ? Uniform(r, ClearContrastMin, ClearContrastMax)
            : thin ? Uniform(r, FaintScratchContrastMin, FaintScratchContrastMax)
            : Uniform(r, FaintContrastMin, FaintContrastMax);
        switch (classId)
        {
            case DefectClasses.Scratch:
            {
                var size = Uniform(r, 30, 80);
                var angle = r.NextDouble() * Math.PI;
                var hx = Math.Abs(Math.Cos(angle)) * size / 2;
                var hy = Math.Abs(Math.Sin(angle)) * size / 2;
                var (x, y) = Place(r, length, width, hx, hy);
                return new DefectSpec(classId, x, y, size, angle, faint ? 1 : 2, contrast, faint, []);
            }

            case DefectClasses.Crack:
            {
                var angle = r.NextDouble() * Math.PI;
                var path = CrackPath(r, Uniform(r, 24, 56), angle);
                var points = path.SelectMany(p => p).ToArray();
                var hx = points.Max(p => Math.Abs(p.X));
                var hy = points.Max(p => Math.Abs(p.Y));
                var (x, y) = Place(r, length, width, hx, hy);
                return new DefectSpec(classId, x, y, Math.Max(hx, hy) * 2, angle, 1, contrast, faint, path);
            }

            case DefectClasses.Dent:
            {
                var radius = faint ? Uniform(r, 5, 8) : Uniform(r, 6, 11);
                var (x, y) = Place(r, length, width, radius, radius);
                return new DefectSpec(classId, x, y, radius, 0, 0, contrast, faint, []);
            }

            default:
            {
                var radius = faint ? Uniform(r, 2.5, 4.5) : Uniform(r, 3, 6);
                var (x, y) = Place(r, length, width, radius, radius);
                return new DefectSpec(classId, x, y, radius, 0, 0, contrast, faint, []);
            }
        }
    }

    /// <summary>Whether the defect keeps clear of every hole (a defect touching a hole would be a different defect).</summary>
    public bool Clears(IEnumerable<(double X, double Y, double Radius)> holes) =>
        holes.All(h => DistanceFromPoint(h.X, h.Y) > h.Radius + 16);

    public double DistanceTo(DefectSpec other) =>
        Math.Max(0, Math.Min(DistanceFromPoint(other.X, other.Y), other.DistanceFromPoint(X, Y)) - Reach - other.Reach);

    private static (double X, double Y) Place(Random r, double length, double width, double hx, double hy) =>
        (Uniform(r, (-length / 2) + EdgeMargin + hx, (length / 2) - EdgeMargin - hx),
         Uniform(r, (-width / 2) + EdgeMargin + hy, (width / 2) - EdgeMargin - hy));

    /// <summary>
    /// A crack: a trunk of 4–7 segments wandering ±35° around <paramref name="angle"/>, centred on the origin, and
    /// in half the cracks a shorter branch leaving a middle vertex at 25–60° to the trunk.
    /// </summary>
    private static IReadOnlyList<IReadOnlyList<(double X, double Y)>> CrackPath(Random r, double size, double angle)
    {
        var segments = 4 + r.Next(4);
        var trunk = new List<(double X, double Y)> { (0, 0) };
        var step = size / segments;
        for (var i = 0; i < segments; i++)
        {
            var a = angle + ((r.NextDouble() - 0.5) * 1.2);
            var (px, py) = trunk[^1];
            trunk.Add((px + (Math.Cos(a) * step), py + (Math.Sin(a) * step)));
        }

        var (cx, cy) = ((trunk.Min(p => p.X) + trunk.Max(p => p.X)) / 2, (trunk.Min(p => p.Y) + trunk.Max(p => p.Y)) / 2);
        var centred = trunk.Select(p => (p.X - cx, p.Y - cy)).ToList();
        if (r.NextDouble() >= 0.5)
        {
            return [centred];
        }

        var from = centred[1 + r.Next(segments - 1)];
        var branchAngle = angle + ((r.Next(2) == 0 ? 1 : -1) * Uniform(r, 0.45, 1.05));
        var branch = new List<(double X, double Y)> { from };
        for (var i = 0; i < 2 + r.Next(2); i++)
        {
            var a = branchAngle + ((r.NextDouble() - 0.5) * 0.8);
            var (px, py) = branch[^1];
            branch.Add((px + (Math.Cos(a) * step * 0.7), py + (Math.Sin(a) * step * 0.7)));
        }

        return [centred, branch];
    }

    private static double Uniform(Random r, double min, double max) => min + (r.NextDouble() * (max - min));

    private double Reach => ClassId is DefectClasses.Scratch or DefectClasses.Crack ? 0 : Size;

    private double DistanceFromPoint(double px, double py)
    {
        switch (ClassId)
        {
            case DefectClasses.Scratch:
            {
                var dx = Math.Cos(Angle) * Size / 2;
                var dy = Math.Sin(Angle) * Size / 2;
                return SegmentDistance(px, py, X - dx, Y - dy, X + dx, Y + dy);
            }

            case DefectClasses.Crack:
                return Path.Min(line => Enumerable.Range(0, line.Count - 1).Min(i =>
                    SegmentDistance(px, py, X + line[i].X, Y + line[i].Y, X + line[i + 1].X, Y + line[i + 1].Y)));

            default:
                return Math.Max(0, Math.Sqrt(((px - X) * (px - X)) + ((py - Y) * (py - Y))) - Size);
        }
    }

    private static double SegmentDistance(double px, double py, double ax, double ay, double bx, double by)
    {
        var (dx, dy) = (bx - ax, by - ay);
        var lengthSquared = (dx * dx) + (dy * dy);
        var t = lengthSquared == 0 ? 0 : Math.Clamp((((px - ax) * dx) + ((py - ay) * dy)) / lengthSquared, 0, 1);
        var (cx, cy) = (ax + (t * dx), ay + (t * dy));
        return Math.Sqrt(((px - cx) * (px - cx)) + ((py - cy) * (py - cy)));
    }
}
