using Inspection.Contracts.Mqtt;
using Inspection.EdgeAgent.Ota;
using Inspection.Mqtt;

namespace Inspection.EdgeAgent.Control;

/// <summary>Drains the <see cref="OtaProgressFeed"/> to <c>…/{deviceId}/ota/progress</c> in order.</summary>
internal sealed class OtaProgressPublisher
{
    private readonly OtaProgressFeed _feed;
    private readonly string _topic;

    public OtaProgressPublisher(OtaProgressFeed feed, string deviceId)
    {
        _feed = feed;
        _topic = MqttTopics.OtaProgress(deviceId);
    }

    public async Task PublishPendingAsync(MqttSession session, CancellationToken cancellationToken)
    {
        while (_feed.TryPeek(out var progress))
        {
            await session.PublishAsync(_topic, MqttPayloads.Serialize(progress), retain: false, cancellationToken).ConfigureAwait(false);
            _feed.Dequeue();
        }
    }
}
