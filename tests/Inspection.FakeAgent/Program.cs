using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

// Reads behaviour.json beside it: {"version": "2.0.0", "behaviour": "good" | "crash-at-start" | "never-ready" |
// "stop-inspecting", "stopAfterSeconds": 3, "frameMilliseconds": 50}. Speaks systemd's notify protocol as the agent
// does: READY=1 once "warm", then per inspected frame WATCHDOG=1 and a STATUS= line with the frame count; STOPPING=1
// and exit 0 on SIGTERM.
var folder = AppContext.BaseDirectory;
using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "behaviour.json")));
var root = settings.RootElement;
var version = root.GetProperty("version").GetString()!;
var behaviour = root.GetProperty("behaviour").GetString()!;
var stopAfter = TimeSpan.FromSeconds(root.TryGetProperty("stopAfterSeconds", out var s) ? s.GetDouble() : 3);
var frameInterval = TimeSpan.FromMilliseconds(root.TryGetProperty("frameMilliseconds", out var f) ? f.GetDouble() : 50);

using var notify = Notifier.Create();
Console.WriteLine($"fake agent {version} ({behaviour}) pid {Environment.ProcessId}");
if (behaviour == "crash-at-start")
{
    Console.Error.WriteLine("Unhandled exception: the fake agent crashes at start");
    return 134;
}

using var stop = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

notify.Send($"STATUS=release {version}: warming up");
if (behaviour == "never-ready")
{
    stop.Token.WaitHandle.WaitOne();
    notify.Send("STOPPING=1");
    return 0;
}

// A start that takes a moment, like a model warm-up.
Thread.Sleep(200);
notify.Send("READY=1");
var started = DateTime.UtcNow;
long frames = 0;
while (!stop.IsCancellationRequested)
{
    if (behaviour == "stop-inspecting" && DateTime.UtcNow - started > stopAfter)
    {
        // Wedged: alive, but no frame and no watchdog ping any more.
        stop.Token.WaitHandle.WaitOne();
        break;
    }

    frames++;
    notify.Send(string.Create(CultureInfo.InvariantCulture, $"WATCHDOG=1\nSTATUS=release {version}: normal; {frames} frames inspected"));
    stop.Token.WaitHandle.WaitOne(frameInterval);
}

notify.Send("STOPPING=1");
Console.WriteLine($"fake agent {version} stopping after {frames} frames");
return 0;

/// <summary>Datagrams to NOTIFY_SOCKET; nothing without it.</summary>
internal sealed class Notifier : IDisposable
{
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endPoint;

    private Notifier(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _endPoint = new UnixDomainSocketEndPoint(path);
    }

    public static Notifier Create() => new(Environment.GetEnvironmentVariable("NOTIFY_SOCKET"));

    public void Send(string message)
    {
        if (_socket is null)
        {
            return;
        }

        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(message), _endPoint!);
        }
        catch (SocketException)
        {
            // The supervisor went away; nothing to tell.
        }
    }

    public void Dispose() => _socket?.Dispose();
}
