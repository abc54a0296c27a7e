namespace Inspection.ModelTools.Timing;

/// <summary>
/// Seeded uniform numbers from SplitMix64. Written out rather than <see cref="Random"/> so the bytes of a
/// generated model depend on the seed alone, never on the runtime's choice of generator.
/// </summary>
internal sealed class WeightSource(int seed)
{
    private ulong _state = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL) ^ 0xD1B54A32D192ED03UL;

    /// <summary>A value uniform in [-bound, bound).</summary>
    public float Uniform(double bound) => (float)(((2.0 * NextUnit()) - 1.0) * bound);

    /// <summary>Fills a new array with values uniform in [-bound, bound).</summary>
    public float[] Uniform(int count, double bound)
    {
        var values = new float[count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Uniform(bound);
        }

        return values;
    }

    private double NextUnit()
    {
        unchecked
        {
            _state += 0x9E3779B97F4A7C15UL;
            var z = _state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;

            // The top 53 bits make an exactly representable double in [0, 1).
            return (z >> 11) * (1.0 / (1UL << 53));
        }
    }
}
