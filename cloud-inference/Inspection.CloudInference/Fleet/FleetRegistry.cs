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
    private long _unattributedMalformed;
    private volatile bool _brokerConnected;

    public FleetRegistry(DesiredStateStore desired, IOptions<MqttOptions> options, ILogger<FleetRegistry> logger)
    {
        _desired = desired;
        _eventsPerDevice = options.Value.EventsPerDevice;
        _logger = logger;
    }

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
                    }

                    break;
                case MqttTopics.StatusSuffix when MqttPayloads.TryParseStatus(payload, out var status, out error):
                    error = status.DeviceId == deviceId ? null : $"deviceId '{status.DeviceId}' does not match the topic's device '{deviceId}'";
                    if (error is null)
                    {
                        entry.Online = status.Online;
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
                        [.. entry.Progress]));
                }
            }
            else
            {
                devices.Add(new FleetDevice(id, null, null, commanded?.Version ?? 0, commanded?.Mode, null, null, [], 0, null, commanded?.Model?.Release, []));
            }
        }

        return new FleetSnapshot(BrokerConnected, devices, Interlocked.Read(ref _unattributedMalformed));
    }

    private sealed class DeviceEntry(string deviceId)
    {
        public string DeviceId { get; } = deviceId;

        public bool? Online { get; set; }

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
