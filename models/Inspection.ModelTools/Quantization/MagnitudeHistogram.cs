namespace Inspection.ModelTools.Quantization;

/// <summary>
/// The distribution of |value| of one tensor over all calibration frames, plus its exact min and max. The bins
/// cover [0, range]; when a larger value arrives the range doubles and neighbouring bins merge, so no value is
/// ever dropped and the result does not depend on which frame held the largest value.
/// </summary>
internal sealed class MagnitudeHistogram
{
    private const int BinCount = 4096;
    private readonly long[] _counts = new long[BinCount];
    private float _range;
    private float _min = float.PositiveInfinity;
    private float _max = float.NegativeInfinity;
    private long _total;

    public void Add(ReadOnlySpan<float> values)
    {
        var absMax = 0f;
        foreach (var value in values)
        {
            if (float.IsFinite(value))
            {
                _min = Math.Min(_min, value);
                _max = Math.Max(_max, value);
                absMax = Math.Max(absMax, Math.Abs(value));
            }
        }

        Grow(absMax);
        var perUnit = _range > 0 ? BinCount / _range : 0f;
        foreach (var value in values)
        {
            if (float.IsFinite(value))
            {
                var bin = (int)(Math.Abs(value) * perUnit);
                _counts[Math.Min(bin, BinCount - 1)]++;
                _total++;
            }
        }
    }

    /// <summary>
    /// [min, max] clipped to the given percentile of |value|: a few outliers would otherwise stretch the uint8
    /// step over the whole range and cost every ordinary value its precision.
    /// </summary>
    public ActivationRange Range(double percentile)
    {
        if (_total == 0)
        {
            return new ActivationRange(0, 0);
        }

        var limit = Math.Max(Math.Abs(_min), Math.Abs(_max));
        if (percentile < 100)
        {
            var wanted = (long)Math.Ceiling(percentile / 100 * _total);
            long seen = 0;
            for (var bin = 0; bin < BinCount; bin++)
            {
                seen += _counts[bin];
                if (seen >= wanted)
                {
                    limit = Math.Min(limit, (bin + 1) * (_range / BinCount));
                    break;
                }
            }
        }

        return new ActivationRange(Math.Max(_min, -limit), Math.Min(_max, limit));
    }

    private void Grow(float absMax)
    {
        if (absMax <= _range)
        {
            return;
        }

        if (_range == 0)
        {
            // Everything counted so far was zero and sits in bin 0 at any range.
            _range = absMax;
            return;
        }

        while (_range < absMax)
        {
            for (var bin = 0; bin < BinCount / 2; bin++)
            {
                _counts[bin] = _counts[2 * bin] + _counts[(2 * bin) + 1];
            }

            Array.Clear(_counts, BinCount / 2, BinCount / 2);
            _range *= 2;
        }
    }
}
