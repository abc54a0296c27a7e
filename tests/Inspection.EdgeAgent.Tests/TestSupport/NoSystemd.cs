using Inspection.EdgeAgent.Diagnostics;
using Microsoft.Extensions.Hosting.Systemd;

namespace Inspection.EdgeAgent.Tests.TestSupport;

/// <summary>
/// Components built by hand run outside systemd: a notifier that is off whatever the process environment says (tests
/// in <see cref="EnvironmentCollection"/> set <c>NOTIFY_SOCKET</c> for their own socket meanwhile).
/// </summary>
internal sealed class NoSystemd : ISystemdNotifier
{
    public bool IsEnabled => false;

    public static SystemdWatchdog Watchdog(TimeProvider time) => new(new NoSystemd(), time, watchdogPeriod: null);

    public void Notify(ServiceState state)
    {
    }
}
