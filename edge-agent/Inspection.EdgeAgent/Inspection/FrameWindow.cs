using Inspection.Detection;

namespace Inspection.EdgeAgent.Inspection;

/// <summary>
/// The last frames of one model in a ring buffer (no allocation per frame): latency, decision, failure. Written by
/// the inspection loop only; <see cref="Snapshot"/> may be read from another thread (a torn read skews a mean by at
/// most one frame, which the bounds it is used for do not notice).
/// </summary>
public sealed class FrameWindow
{
    private readonly double[] _latencyMs;
    private readonly bool[] _uncertain;
    private readonly bool[] _failed;
    private int _next;
    private int _count;

    public FrameWindow(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _latencyMs = new double[capacity];
        _uncertain = new bool[capacity];
        _failed = new bool[capacity];
    }

    public int Count => Volatile.Read(ref _count);

    /// <summary>Records a frame: its decision, or null when the model failed on it.</summary>
    public void Add(Decision? decision, TimeSpan latency)
    {
        _latencyMs[_next] = latency.TotalMilliseconds;
        _uncertain[_next] = decision == Decision.Uncertain;
        _failed[_next] = decision is null;
        _next = (_next + 1) % _latencyMs.Length;
        Volatile.Write(ref _count, Math.Min(_count + 1, _latencyMs.Length));
    }

    public void Clear()
    {
        _next = 0;
        Volatile.Write(ref _count, 0);
    }

    public FrameStats Snapshot()
    {
        var count = Count;
        int errors = 0, uncertain = 0;
        double latency = 0;
        for (var i = 0; i < count; i++)
        {
            if (_failed[i])
            {
                errors++;
                continue;
            }

            latency += _latencyMs[i];
            uncertain += _uncertain[i] ? 1 : 0;
        }

        var succeeded = count - errors;
        return new FrameStats(count, errors, succeeded == 0 ? 0 : latency / succeeded, count == 0 ? 0 : (double)uncertain / count);
    }
}
