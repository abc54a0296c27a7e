using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting.Systemd;

namespace Inspection.EdgeAgent.Diagnostics;

/// <summary>
/// Feeds systemd's watchdog (<c>WatchdogSec=</c>) from the inspection loop: every turn of the loop that ends (a
/// frame inspected, skipped in reduced mode or discarded while paused, or a reconnect attempt the source reported)
/// calls <see cref="Feed"/>, which sends <c>WATCHDOG=1</c> at most every half watchdog period. When the loop wedges
/// (a capture read or an inference that never returns) or the model fails on every frame, the feeding stops and
/// systemd restarts the service; a camera that is cleanly reconnecting keeps it fed, so no restart storm. Outside systemd
/// (no <c>NOTIFY_SOCKET</c> or no <c>WATCHDOG_USEC</c>) it does nothing.
/// </summary>
public sealed class SystemdWatchdog
{
    private static readonly ServiceState WatchdogPing = new("WATCHDOG=1");
    private readonly ISystemdNotifier _notifier;
    private readonly TimeProvider _timeProvider;
    private long _lastFeed;
    private bool _fedOnce;
    private string? _status;

    public SystemdWatchdog(ISystemdNotifier notifier, TimeProvider timeProvider)
        : this(notifier, timeProvider, ReadInterval())
    {
    }

    /// <param name="notifier">Where notifications go.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="watchdogPeriod">systemd's watchdog period (<c>WATCHDOG_USEC</c>), or null when the watchdog is off.</param>
    public SystemdWatchdog(ISystemdNotifier notifier, TimeProvider timeProvider, TimeSpan? watchdogPeriod)
    {
        _notifier = notifier;
        _timeProvider = timeProvider;
        FeedInterval = watchdogPeriod is { } period && period > TimeSpan.Zero ? period / 2 : null;
    }

    /// <summary>How often the watchdog is fed: half of <c>WATCHDOG_USEC</c>; null when disabled.</summary>
    public TimeSpan? FeedInterval { get; }

    public bool IsEnabled => FeedInterval is not null && _notifier.IsEnabled;

    /// <summary>Called for every inspected frame; notifies systemd when half a period has passed.</summary>
    public void Feed()
    {
        if (!IsEnabled)
        {
            return;
        }

        var now = _timeProvider.GetTimestamp();
        if (_fedOnce && _timeProvider.GetElapsedTime(_lastFeed, now) < FeedInterval!.Value)
        {
            return;
        }

        _fedOnce = true;
        _lastFeed = now;
        Send(WatchdogPing);
    }

    /// <summary>
    /// Tells systemd what the agent is doing (<c>STATUS=</c>, shown by <c>systemctl status</c>), e.g. that it is paused
    /// and why; sent only when the text changes. Does nothing outside systemd.
    /// </summary>
    public void SetStatus(string status)
    {
        if (!_notifier.IsEnabled || status == _status)
        {
            return;
        }

        _status = status;

        // STATUS= is one line.
        Send(new ServiceState("STATUS=" + status.ReplaceLineEndings(" ")));
    }

    // A notification socket that is gone (systemd restarting, a socket left behind by a service manager that exited)
    // must not stop the inspection: the pings are lost, and systemd, if it is there, acts on their absence.
    private void Send(ServiceState state)
    {
        try
        {
            _notifier.Notify(state);
        }
        catch (SocketException)
        {
        }
    }

    private static TimeSpan? ReadInterval()
    {
        var usec = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        if (string.IsNullOrEmpty(usec) || !long.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds) || microseconds <= 0)
        {
            return null;
        }

        // WATCHDOG_PID, when set, names the process the watchdog is meant for.
        var pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        return TimeSpan.FromMicroseconds(microseconds);
    }
}
