using System.Collections.Concurrent;
using Inspection.Contracts.Api;
using Inspection.Contracts.Mqtt;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Fleet;

/// <summary>
/// In-memory picture of the fleet, fed by the device topics. Everything a device sends is parsed
/// defensively: an unreadable payload is logged and counted against the device, never thrown.
/// The picture is rebuilt after a restart from the retained reported and status messages.
/// </summary>
public sealed partial class FleetRegistry
{
    private readonly ConcurrentDictionary<string, DeviceEntry> _devices = new(StringComparer.Ordinal);
    private readonly DesiredStateStore _desired;
    private readonly int _eventsPerDevice;
    private readonly ILogger<FleetRegistry> _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _conflictGrace;
    private long _unattributedMalformed;
    private volatile bool _brokerConnected;

    public FleetRegistry(DesiredStateStore desired, IOptions<MqttOptions> options, IOptions<ControlOptions> control, TimeProvider time, ILogger<FleetRegistry> logger)
    {
        _desired = desired;
        _time = time;
        _conflictGrace = TimeSpan.FromSeconds(control.Value.ConflictGraceSeconds);
        _eventsPerDevice = options.Value.EventsPerDevice;
        _logger = logger;
    }

    /// <summary>
    /// Raised (outside the registry's locks) with the device's id after it reported its state or its status: what the
    /// reviewed verdicts' publisher wakes on.
    /// </summary>
    public event Action<string>? DeviceUpdated;

    public bool BrokerConnected
    {
        get => _brokerConnected;
        set => _brokerConnected = value;
    }

    /// <summary>Takes one message from a device topic. Never throws.</summary>
    public void Apply(string topic, ReadOnlySpan<byte> payload, DateTimeOffset receivedAt)
    {
        if (!MqttTopics.TryParse(topic, out var deviceId, out var suffix) || !MqttTopics.IsValidDeviceId(deviceId))
        {
            Interlocked.Increment(ref _unattributedMalformed);
            Log.UnknownTopic(_logger, topic);
            return;
        }

        var entry = _devices.GetOrAdd(deviceId, static id => new DeviceEntry(id));
        string? error = null;
        var updated = false;
        lock (entry)
        {
            entry.LastSeen = receivedAt;
            if (payload.IsEmpty)
            {
                // An empty retained message clears the topic: the device was taken out of service.
                entry.ClearRetained(suffix);
                return;
            }

            switch (suffix)
            {
                case MqttTopics.ReportedSuffix when MqttPayloads.TryParseReported(payload, out var reported, out error):
                    error = reported.DeviceId == deviceId ? null : $"deviceId '{reported.DeviceId}' does not match the topic's device '{deviceId}'";
                    if (error is null)
                    {
                        entry.Reported = reported;
                        updated = true;
                    }

                    break;
                case MqttTopics.StatusSuffix when MqttPayloads.TryParseStatus(payload, out var status, out error):
                    error = status.DeviceId == deviceId ? null : $"deviceId '{status.DeviceId}' does not match the topic's device '{deviceId}'";
                    if (error is null)
                    {
                        entry.Online = status.Online;
                        entry.OnlineSince = status.Online ? receivedAt : entry.OnlineSince;
                        updated = true;
                    }

                    break;
                case MqttTopics.EventsSuffix when MqttPayloads.TryParseEvent(payload, out var deviceEvent, out error):
                    entry.AddEvent(deviceEvent, _eventsPerDevice);
                    break;
                case MqttTopics.OtaProgressSuffix when MqttPayloads.TryParseOtaProgress(payload, out var progress, out error):
                    error = progress.DeviceId == deviceId ? null : $"deviceId '{progress.DeviceId}' does not match the topic's device '{deviceId}'";
                    if (error is null)
                    {
                        entry.AddProgress(progress, _eventsPerDevice);
                    }

                    break;
                case MqttTopics.ReportedSuffix or MqttTopics.StatusSuffix or MqttTopics.EventsSuffix or MqttTopics.OtaProgressSuffix:
                    break;
                default:
                    error = $"unexpected topic suffix '{suffix}'";
                    break;
            }

            if (!string.IsNullOrEmpty(error))
            {
                entry.MalformedPayloads++;
                entry.LastMalformed = new RejectedPayload(topic, error, receivedAt);
            }
        }

        if (!string.IsNullOrEmpty(error))
        {
            Log.Malformed(_logger, topic, error);
        }

        if (updated)
        {
            DeviceUpdated?.Invoke(deviceId);
        }
    }

    /// <summary>What decides whether <paramref name="deviceId"/>'s reviewed verdicts are published again.</summary>
    public DeviceReviewDelivery ReviewDelivery(string deviceId)
    {
        if (!_devices.TryGetValue(deviceId, out var entry))
        {
            return new DeviceReviewDelivery(false, null, false, null);
        }

        lock (entry)
        {
            var reviews = entry.Reported?.Stats.Reviews;
            return new DeviceReviewDelivery(entry.Online == true, entry.OnlineSince, reviews is not null, reviews?.ConfirmedThrough);
        }
    }

    /// <summary>The desired-state version the device last reported it applied (0 when it has not reported).</summary>
    public long AppliedDesiredVersion(string deviceId)
    {
        if (!_devices.TryGetValue(deviceId, out var entry))
        {
            return 0;
        }

        lock (entry)
        {
            return entry.Reported?.AppliedDesiredVersion ?? 0;
        }
    }

    public FleetSnapshot Snapshot()
    {
        var desired = _desired.All();
        var ids = new SortedSet<string>(_devices.Keys, StringComparer.Ordinal);
        ids.UnionWith(desired.Keys);
        var devices = new List<FleetDevice>(ids.Count);
        var now = _time.GetUtcNow();
        foreach (var id in ids)
        {
            desired.TryGetValue(id, out var commanded);
            if (_devices.TryGetValue(id, out var entry))
            {
                lock (entry)
                {
                    devices.Add(new FleetDevice(
                        id,
                        entry.Online,
                        entry.LastSeen,
                        commanded?.Version ?? 0,
                        commanded?.Mode,
                        entry.Reported?.AppliedDesiredVersion,
                        entry.Reported,
                        [.. entry.Events],
                        entry.MalformedPayloads,
                        entry.LastMalformed,
                        commanded?.Model?.Release,
                        [.. entry.Progress],
                        Conflict(commanded, entry.Reported, now),
                        DesiredAgentVersion: commanded?.Agent?.Version));
                }
            }
            else
            {
                devices.Add(new FleetDevice(id, null, null, commanded?.Version ?? 0, commanded?.Mode, null, null, [], 0, null, commanded?.Model?.Release, [], Conflict(commanded, null, now), DesiredAgentVersion: commanded?.Agent?.Version));
            }
        }

        return new FleetSnapshot(BrokerConnected, devices, Interlocked.Read(ref _unattributedMalformed));
    }

    /// <summary>
    /// Why the device and the cloud disagree about its desired state, or null when they do not: it refused a desired
    /// state since the cloud issued its latest one (the cloud's, or one someone else put on its topic), or it has not
    /// reported the issued version applied within the grace period.
    /// </summary>
    private string? Conflict(DesiredState? commanded, ReportedState? reported, DateTimeOffset now)
    {
        if (reported?.LastRejected is { } rejected
            && rejected.Topic.EndsWith("/" + MqttTopics.DesiredSuffix, StringComparison.Ordinal)
            && (commanded?.IssuedAt is not { } issued || rejected.At >= issued))
        {
            return $"rejected a desired state: {rejected.Error}";
        }

        var applied = reported?.AppliedDesiredVersion ?? 0;
        if (commanded is { Version: > 0 } && applied != commanded.Version && commanded.IssuedAt is { } at && now - at > _conflictGrace)
        {
            return string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"desired version {commanded.Version} not applied {(int)(now - at).TotalSeconds} s after it was issued (the device reports {(reported is null ? "nothing" : $"version {applied}")})");
        }

        return null;
    }

    private sealed class DeviceEntry(string deviceId)
    {
        public string DeviceId { get; } = deviceId;

        public bool? Online { get; set; }

        public DateTimeOffset? OnlineSince { get; set; }

        public DateTimeOffset? LastSeen { get; set; }

        public ReportedState? Reported { get; set; }

        public LinkedList<DeviceEvent> Events { get; } = new();

        public long MalformedPayloads { get; set; }

        public RejectedPayload? LastMalformed { get; set; }

        public LinkedList<OtaProgress> Progress { get; } = new();

        public void AddProgress(OtaProgress progress, int keep)
        {
            Progress.AddFirst(progress);
            while (Progress.Count > keep)
            {
                Progress.RemoveLast();
            }
        }

        public void AddEvent(DeviceEvent deviceEvent, int keep)
        {
            Events.AddFirst(deviceEvent);
            while (Events.Count > keep)
            {
                Events.RemoveLast();
            }
        }

        public void ClearRetained(string suffix)
        {
            if (suffix == MqttTopics.ReportedSuffix)
            {
                Reported = null;
            }
            else if (suffix == MqttTopics.StatusSuffix)
            {
                Online = null;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a message on {Topic}: not a device topic of contract v1")]
        public static partial void UnknownTopic(ILogger logger, string topic);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Unreadable payload on {Topic}: {Error}")]
        public static partial void Malformed(ILogger logger, string topic, string error);
    }
}
