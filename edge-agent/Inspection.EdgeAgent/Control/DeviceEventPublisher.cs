using Inspection.Contracts.Mqtt;
using Inspection.Mqtt;

namespace Inspection.EdgeAgent.Control;

/// <summary>
/// Drains <see cref="DeviceEvents"/> to <c>…/{deviceId}/events</c> in order; an event leaves the queue only once
/// published, so an outage keeps them (up to the queue's bound, whose drops are counted and reported).
/// </summary>
internal sealed class DeviceEventPublisher
{
    private readonly DeviceEvents _events;
    private readonly string _topic;

    public DeviceEventPublisher(DeviceEvents events, string deviceId)
    {
        _events = events;
        _topic = MqttTopics.Events(deviceId);
    }

    public async Task PublishPendingAsync(MqttSession session, CancellationToken cancellationToken)
    {
        while (_events.TryPeek(out var deviceEvent))
        {
            await session.PublishAsync(_topic, MqttPayloads.Serialize(deviceEvent), retain: false, cancellationToken).ConfigureAwait(false);
            _events.Dequeue();
        }
    }
}
