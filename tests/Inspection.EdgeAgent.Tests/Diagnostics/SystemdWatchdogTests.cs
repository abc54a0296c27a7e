using System.Net.Sockets;
using System.Text;
using Inspection.Contracts.Mqtt;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Time.Testing;

namespace Inspection.EdgeAgent.Tests.Diagnostics;

/// <summary>Against a real notify socket (a Unix datagram socket, as systemd's).</summary>
[Collection(EnvironmentCollection.Name)]
public sealed class SystemdWatchdogTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly Socket _systemd;
    private readonly string _socketPath;

    public SystemdWatchdogTests()
    {
        _socketPath = _temp.File("notify.sock");
        _systemd = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _systemd.Bind(new UnixDomainSocketEndPoint(_socketPath));
    }

    [Fact]
    public void Feed_EveryFrame_NotifiesAtMostEveryHalfWatchdogPeriod()
    {
        var time = new FakeTimeProvider();
        var watchdog = new SystemdWatchdog(CreateNotifier(), time, TimeSpan.FromSeconds(10));

        watchdog.Feed();
        watchdog.Feed();
        time.Advance(TimeSpan.FromSeconds(4.9));
        watchdog.Feed();
        time.Advance(TimeSpan.FromSeconds(0.1));
        watchdog.Feed();

        Assert.Equal(["WATCHDOG=1", "WATCHDOG=1"], Received());
        Assert.Equal(TimeSpan.FromSeconds(5), watchdog.FeedInterval);
    }

    [Fact]
    public void SetStatusAndFeed_NotifySocketGone_DoNotThrow()
    {
        var watchdog = new SystemdWatchdog(CreateNotifier(), new FakeTimeProvider(), TimeSpan.FromSeconds(10));
        _systemd.Dispose();
        File.Delete(_socketPath);

        watchdog.SetStatus("warming up the model");
        watchdog.Feed();

        Assert.True(watchdog.IsEnabled);
    }

    [Fact]
    public void Feed_NoWatchdogConfigured_SendsNothing()
    {
        var watchdog = new SystemdWatchdog(CreateNotifier(), new FakeTimeProvider(), watchdogPeriod: null);

        watchdog.Feed();

        Assert.False(watchdog.IsEnabled);
        Assert.Empty(Received());
    }

    [Fact]
    public async Task Host_FramesFlowing_TheInspectionLoopFeedsTheWatchdog()
    {
        var folder = _temp.Folder("frames");
        Frames.WriteImage(Path.Combine(folder, "01.png"), TestModels.PassGrey);
        using var refused = LoopbackPort.Refused();
        var settings = AgentHost.Settings(folder, TestModels.Brightness(_temp.File("model.onnx")), _temp.File("edge.db"), "http://127.0.0.1:1", refused.Port);
        settings["Capture:Loop"] = "true";
        Environment.SetEnvironmentVariable("NOTIFY_SOCKET", _socketPath);
        Environment.SetEnvironmentVariable("WATCHDOG_USEC", "200000");
        IHost host;
        try
        {
            // The notifier and the watchdog read the variables when they are created.
            host = AgentHost.Build(_temp.Path, settings);
            host.Services.GetRequiredService<SystemdWatchdog>();
        }
        finally
        {
            Environment.SetEnvironmentVariable("NOTIFY_SOCKET", null);
            Environment.SetEnvironmentVariable("WATCHDOG_USEC", null);
        }

        using (host)
        {
            await host.StartAsync(TestContext.Current.CancellationToken);
            var pings = new List<string>();
            await Eventually.UntilAsync(
                () =>
                {
                    pings.AddRange(Received());
                    return pings.Count(p => p == "WATCHDOG=1") >= 2;
                },
                "two watchdog pings from the inspection loop");
            await host.StopAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Host_Paused_FramesAreReadAndDiscardedTheWatchdogIsFedAndTheStatusSaysPaused()
    {
        var folder = _temp.Folder("frames");
        Frames.WriteImage(Path.Combine(folder, "01.png"), TestModels.UncertainGrey);
        using var refused = LoopbackPort.Refused();
        var settings = AgentHost.Settings(folder, TestModels.Brightness(_temp.File("model.onnx")), _temp.File("edge.db"), "http://127.0.0.1:1", refused.Port);
        settings["Capture:Loop"] = "true";
        Environment.SetEnvironmentVariable("NOTIFY_SOCKET", _socketPath);
        Environment.SetEnvironmentVariable("WATCHDOG_USEC", "200000");
        IHost host;
        try
        {
            host = AgentHost.Build(_temp.Path, settings);
            host.Services.GetRequiredService<SystemdWatchdog>();
        }
        finally
        {
            Environment.SetEnvironmentVariable("NOTIFY_SOCKET", null);
            Environment.SetEnvironmentVariable("WATCHDOG_USEC", null);
        }

        using (host)
        {
            host.Services.GetRequiredService<DeviceState>().Apply(new DesiredState(1, 1, DegradationModes.Paused));
            var stats = host.Services.GetRequiredService<EdgeStats>();
            await host.StartAsync(TestContext.Current.CancellationToken);
            var messages = new List<string>();
            await Eventually.UntilAsync(
                () =>
                {
                    messages.AddRange(Received());
                    return messages.Count(p => p == "WATCHDOG=1") >= 2 && stats.Skipped >= 3;
                },
                "watchdog pings while paused");
            await host.StopAsync(TestContext.Current.CancellationToken);

            Assert.Equal(0, stats.Frames);
            Assert.Contains(messages, m => m.StartsWith("STATUS=paused", StringComparison.Ordinal));
        }
    }

    private SystemdNotifier CreateNotifier()
    {
        // SystemdNotifier reads NOTIFY_SOCKET when constructed.
        Environment.SetEnvironmentVariable("NOTIFY_SOCKET", _socketPath);
        try
        {
            return new SystemdNotifier();
        }
        finally
        {
            Environment.SetEnvironmentVariable("NOTIFY_SOCKET", null);
        }
    }

    private List<string> Received()
    {
        var messages = new List<string>();
        var buffer = new byte[256];
        while (_systemd.Available > 0)
        {
            var read = _systemd.Receive(buffer);
            messages.Add(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return messages;
    }

    public void Dispose()
    {
        _systemd.Dispose();
        _temp.Dispose();
    }
}
