using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Inspection.Tests.Shared;

/// <summary>
/// A stand-in for systemd's notification socket (<c>NOTIFY_SOCKET</c>): a unix datagram socket that records each
/// notification (<c>READY=1</c>, <c>WATCHDOG=1</c>, <c>STATUS=…</c>, <c>STOPPING=1</c>) in order, with when it arrived.
/// The agent feeds the watchdog from its inspection loop on the first inspected frame, so the first <c>WATCHDOG=1</c>
/// marks the first frame inspected. Shared by the edge agent's process tests and the recovery bench.
/// </summary>
internal sealed class NotifySocket : IDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(string Message, long Timestamp)> _received = [];
    private readonly Task _reading;

    public NotifySocket(string path)
    {
        Path = path;
        File.Delete(path);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _socket.Bind(new UnixDomainSocketEndPoint(path));
        _reading = ReadAsync();
    }

    public string Path { get; }

    /// <summary>Every notification so far, in the order it arrived (one datagram may hold several lines).</summary>
    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_received)
            {
                return _received.Select(r => r.Message).ToList();
            }
        }
    }

    /// <summary>How many notifications held <paramref name="line"/>.</summary>
    public int Count(string line)
    {
        lock (_received)
        {
            return _received.Count(r => r.Message.Split('\n').Contains(line));
        }
    }

    /// <summary>How long ago the last notification holding <paramref name="line"/> arrived, or null if none did.</summary>
    public TimeSpan? SinceLast(string line)
    {
        lock (_received)
        {
            for (var i = _received.Count - 1; i >= 0; i--)
            {
                if (_received[i].Message.Split('\n').Contains(line))
                {
                    return Stopwatch.GetElapsedTime(_received[i].Timestamp);
                }
            }
        }

        return null;
    }

    /// <summary>When the first notification containing <paramref name="line"/> arrived (a <see cref="Stopwatch"/> timestamp), or null.</summary>
    public long? First(string line)
    {
        lock (_received)
        {
            foreach (var (message, timestamp) in _received)
            {
                if (message.Split('\n').Contains(line))
                {
                    return timestamp;
                }
            }
        }

        return null;
    }

    /// <summary>When the last notification containing <paramref name="line"/> arrived (a <see cref="Stopwatch"/> timestamp), or null.</summary>
    public long? Last(string line)
    {
        lock (_received)
        {
            for (var i = _received.Count - 1; i >= 0; i--)
            {
                if (_received[i].Message.Split('\n').Contains(line))
                {
                    return _received[i].Timestamp;
                }
            }
        }

        return null;
    }

    public async Task<long?> WaitForAsync(string line, TimeSpan timeout, Func<bool> gaveUp, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout && !gaveUp())
        {
            if (First(line) is { } at)
            {
                return at;
            }

            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }

        return First(line);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        try
        {
            _reading.Wait(TimeSpan.FromSeconds(1));
        }
        catch (AggregateException)
        {
            // Closed under the reader.
        }

        _stop.Dispose();
        File.Delete(Path);
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[4096];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var read = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                var at = Stopwatch.GetTimestamp();
                lock (_received)
                {
                    _received.Add((Encoding.UTF8.GetString(buffer, 0, read), at));
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped.
        }
    }
}
