namespace Inspection.ModelTools.Quantization;

/// <summary>The calibrated range of one activation tensor and its uint8 (asymmetric) or int8 (symmetric) quantization.</summary>
public readonly record struct ActivationRange(float Min, float Max)
{
    /// <summary>
    /// Scale and zero point of the uint8 grid over [min, max] widened to include 0, so that zero (padding,
    /// the flat parts of SiLU) is represented exactly.
    /// </summary>
    public (float Scale, byte ZeroPoint) ToUInt8()
    {
        var low = Math.Min(0f, Min);
        var high = Math.Max(0f, Max);
        if (!(high - low > 1e-12f))
        {
            return (1f, 0);
        }

        var scale = (high - low) / 255f;
        var zeroPoint = Math.Clamp(Math.Round(-low / scale, MidpointRounding.ToEven), 0, 255);
        return (scale, (byte)zeroPoint);
    }

    /// <summary>Scale of the symmetric int8 grid (zero point 0) over [−m, m], m = max(|min|, |max|).</summary>
    public float ToInt8Scale()
    {
        var magnitude = Math.Max(Math.Abs(Min), Math.Abs(Max));
        return magnitude > 1e-12f ? magnitude / 127f : 1f;
    }
}
