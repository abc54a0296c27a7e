using Inspection.Contracts.Mqtt;
using Inspection.Mqtt;

namespace Inspection.EdgeAgent.Control;

/// <summary>
/// Publishes the reported state (retained) when something changed and otherwise as a heartbeat every
/// <c>Reporting:IntervalSeconds</c>.
/// </summary>
internal sealed class ReportedStatePublisher
{
    private readonly ReportedStateBuilder _reports;
    private readonly string _topic;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _timeProvider;
    private DateTimeOffset _nextHeartbeat;
    private int _requested = 1;

    public ReportedStatePublisher(ReportedStateBuilder reports, string deviceId, TimeSpan interval, TimeProvider timeProvider)
    {
        _reports = reports;
        _topic = MqttTopics.Reported(deviceId);
        _interval = interval;
        _timeProvider = timeProvider;
        _nextHeartbeat = timeProvider.GetUtcNow();
    }

    /// <summary>Asks for a report on the next pass (state changed, reconnected, a publish failed).</summary>
    public void Request() => Interlocked.Exchange(ref _requested, 1);

    /// <summary>Publishes when requested or due; returns how long until the next heartbeat is due.</summary>
    public async Task<TimeSpan> PublishIfDueAsync(MqttSession session, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        if (Interlocked.Exchange(ref _requested, 0) == 1 || now >= _nextHeartbeat)
        {
            try
            {
                await session.PublishAsync(_topic, MqttPayloads.Serialize(_reports.Build()), retain: true, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                Request();
                throw;
            }

            _nextHeartbeat = now + _interval;
        }

        return _nextHeartbeat - _timeProvider.GetUtcNow();
    }
}
