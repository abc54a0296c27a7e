namespace Inspection.ModelTools.Line;

/// <summary>One part on the line, in its own coordinates (origin at the plate centre, x along the belt, 640×480 design pixels).</summary>
internal sealed record PartSpec(
    int Id,
    int EntryJitter,
    double Length,
    double Width,
    double Scale,
    double Angle,
    double OffsetY,
    double Brightness,
    double HoleShade,
    IReadOnlyList<(double X, double Y, double Radius)> Holes,
    IReadOnlyList<(double Y, double Delta)> Streaks,
    IReadOnlyList<DefectSpec> Defects)
{
    public double CenterX { get; init; }

    public double CenterY { get; init; }

    public double Cos => Math.Cos(Angle);

    public double Sin => Math.Sin(Angle);

    /// <summary>Half the plate's diagonal at its scale: how far off-frame its centre starts.</summary>
    public double HalfExtent => Scale * Math.Sqrt((Length * Length) + (Width * Width)) / 2;

    /// <summary>
    /// Plate grey level of variant B: darker than A's 165–205, yet under the dimmest lighting (×0.8) and its tint still
    /// above the part tracker's default threshold (100).
    /// </summary>
    public const double VariantBBrightnessMin = 140;

    public const double VariantBBrightnessMax = 165;

    /// <summary>Brushed streaks on a variant B plate, and how far each may depart from the plate's grey.</summary>
    public const int VariantBStreaks = 40;

    public const double VariantBStreakContrast = 12;

    public static PartSpec Create(int seed, int id, LineVariant variant = LineVariant.A)
    {
        var spec = Original(seed, id);
        if (variant == LineVariant.A)
        {
            return spec;
        }

        // Drawn from a random stream of its own, so the part's geometry and defects are variant A's draw for draw.
        var r = new Random(SyntheticLine.SeedFor(seed, id, 7));
        var streaks = Enumerable.Range(0, VariantBStreaks)
            .Select(_ => (Uniform(r, (-spec.Width / 2) + 3, (spec.Width / 2) - 3), Uniform(r, -VariantBStreakContrast, VariantBStreakContrast)))
            .ToArray();
        return spec with
        {
            Brightness = VariantBBrightnessMin + ((spec.Brightness - 165) / 40 * (VariantBBrightnessMax - VariantBBrightnessMin)),
            Streaks = streaks,
        };
    }

    private static PartSpec Original(int seed, int id)
    {
        var r = new Random(SyntheticLine.SeedFor(seed, id, 2));
        var length = Uniform(r, 200, 250);
        var width = Uniform(r, 140, 175);
        var holeRadius = Uniform(r, 16, 21);
        var inset = holeRadius + 20;
        var flip = r.Next(2) == 0 ? 1 : -1;
        (double, double, double)[] holes =
        [
            ((-length / 2) + inset, flip * ((-width / 2) + inset), holeRadius),
            ((length / 2) - inset, flip * ((width / 2) - inset), holeRadius),
        ];
        var streaks = Enumerable.Range(0, 6)
            .Select(_ => (Uniform(r, (-width / 2) + 4, (width / 2) - 4), Uniform(r, -3, 3)))
            .ToArray();
        var spec = new PartSpec(
            id,
            r.Next(SyntheticLine.PartJitterFrames),
            length,
            width,
            Uniform(r, 0.85, 1.15),
            Uniform(r, -15, 15) * Math.PI / 180,
            Uniform(r, -35, 35),
            Uniform(r, 165, 205),
            Uniform(r, 30, 45),
            holes,
            streaks,
            []);

        if (r.NextDouble() >= 0.5)
        {
            return spec;
        }

        var count = r.NextDouble() < 0.7 ? 1 : 2;
        var defects = new List<DefectSpec>();
        for (var attempt = 0; defects.Count < count && attempt < 200; attempt++)
        {
            var candidate = DefectSpec.Create(r, length, width);
            if (candidate.Clears(holes) && defects.All(d => d.DistanceTo(candidate) > 40))
            {
                defects.Add(candidate);
            }
        }

        return spec with { Defects = defects };
    }

    private static double Uniform(Random r, double min, double max) => min + (r.NextDouble() * (max - min));
}
