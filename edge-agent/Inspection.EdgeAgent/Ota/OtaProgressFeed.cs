using System.Collections.Concurrent;
using Inspection.Contracts.Mqtt;

namespace Inspection.EdgeAgent.Ota;

/// <summary>
/// The update's progress on its way out: the latest step for the reported state, and every step queued for
/// <c>…/ota/progress</c>, which the MQTT worker publishes when it is connected. Bounded: when the broker is away for
/// long, the oldest steps give way (the reported state keeps the latest).
/// </summary>
public sealed class OtaProgressFeed
{
    private const int Capacity = 200;
    private readonly ConcurrentQueue<OtaProgress> _queue = new();
    private OtaProgress? _latest;

    /// <summary>Fires with every step, on the publishing thread.</summary>
    public event Action<OtaProgress>? Published;

    public OtaProgress? Latest => Volatile.Read(ref _latest);

    public void Publish(OtaProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        Volatile.Write(ref _latest, progress);
        _queue.Enqueue(progress);
        while (_queue.Count > Capacity && _queue.TryDequeue(out _))
        {
        }

        Published?.Invoke(progress);
    }

    public bool TryPeek(out OtaProgress progress) => _queue.TryPeek(out progress!);

    public void Dequeue() => _queue.TryDequeue(out _);
}
