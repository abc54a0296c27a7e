using System.Collections.Concurrent;
using Inspection.Contracts.Mqtt;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.Control;

/// <summary>
/// The device's events on their way to the broker (<c>…/{deviceId}/events</c>): any part of the agent raises one,
/// the MQTT side publishes them in order. The queue is bounded (<see cref="Capacity"/>); past it the oldest event is
/// dropped and counted in <see cref="Dropped"/>, which the reported state carries, so a long broker outage costs
/// old events, never memory, and never silently.
/// </summary>
public sealed class DeviceEvents
{
    /// <summary>Events kept while the broker is away.</summary>
    public const int Capacity = 1000;

    private readonly ConcurrentQueue<DeviceEvent> _queue = new();
    private readonly string _deviceId;
    private readonly TimeProvider _timeProvider;
    private long _dropped;

    public DeviceEvents(IOptions<EdgeOptions> edge, TimeProvider timeProvider)
    {
        _deviceId = edge.Value.DeviceId;
        _timeProvider = timeProvider;
    }

    /// <summary>Raised after an event was queued.</summary>
    public event Action? Raised;

    /// <summary>Events dropped since start because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Events waiting to be published.</summary>
    public int Count => _queue.Count;

    /// <summary>Queues an event of <paramref name="kind"/> (e.g. <c>degraded</c>) with a message a person can act on.</summary>
    public void Raise(string kind, string message)
    {
        _queue.Enqueue(new DeviceEvent(MqttPayloads.SchemaVersion, _deviceId, kind, message, _timeProvider.GetUtcNow()));
        while (_queue.Count > Capacity && _queue.TryDequeue(out _))
        {
            Interlocked.Increment(ref _dropped);
        }

        Raised?.Invoke();
    }

    /// <summary>The oldest event not yet published.</summary>
    public bool TryPeek(out DeviceEvent deviceEvent) => _queue.TryPeek(out deviceEvent!);

    /// <summary>Removes the oldest event once it was published.</summary>
    public void Dequeue() => _queue.TryDequeue(out _);
}
