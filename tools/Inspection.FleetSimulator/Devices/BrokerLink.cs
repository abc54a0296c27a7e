using System.Net;
using System.Net.Sockets;

namespace Inspection.FleetSimulator.Devices;

/// <summary>
/// A device's network path to the broker that can be cut: a TCP relay on 127.0.0.1 the device connects through.
/// <see cref="Cut"/> resets every relayed connection on both sides, so the broker loses the device without a
/// DISCONNECT and publishes its last will, and refuses new connections until <see cref="Restore"/>; the agent's
/// reconnect loop then finds the broker again on its own.
/// </summary>
internal sealed class BrokerLink : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _brokerHost;
    private readonly int _brokerPort;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly HashSet<Socket> _open = [];
    private bool _cut;

    public BrokerLink(string brokerHost, int brokerPort)
    {
        _brokerHost = brokerHost;
        _brokerPort = brokerPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptAsync(_stopping.Token);
    }

    /// <summary>The port the device connects to instead of the broker's.</summary>
    public int Port { get; }

    /// <summary>Drops every relayed connection at once and refuses new ones.</summary>
    public void Cut()
    {
        List<Socket> open;
        lock (_gate)
        {
            _cut = true;
            open = [.. _open];
            _open.Clear();
        }

        open.ForEach(Reset);
    }

    /// <summary>Relays new connections again.</summary>
    public void Restore()
    {
        lock (_gate)
        {
            _cut = false;
        }
    }

    /// <summary>Stops relaying; the accept loop ends with the listener.</summary>
    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Stop();
        Cut();
        _stopping.Dispose();
    }

    private static void Reset(Socket socket)
    {
        try
        {
            // A zero linger makes Close send RST: the peer sees the connection fail, not end.
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        socket.Dispose();
    }

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket device;
            try
            {
                device = await _listener.AcceptSocketAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = RelayAsync(device, cancellationToken);
        }
    }

    private async Task RelayAsync(Socket device, CancellationToken cancellationToken)
    {
        var broker = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        device.NoDelay = true;
        try
        {
            if (!Track(device))
            {
                return;
            }

            await broker.ConnectAsync(_brokerHost, _brokerPort, cancellationToken).ConfigureAwait(false);
            if (!Track(broker))
            {
                return;
            }

            await Task.WhenAny(PumpAsync(device, broker, cancellationToken), PumpAsync(broker, device, cancellationToken)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The broker is not there, or the link was cut or disposed: the device sees its connection fail.
        }
        finally
        {
            lock (_gate)
            {
                _open.Remove(device);
                _open.Remove(broker);
            }

            Reset(device);
            Reset(broker);
        }
    }

    private bool Track(Socket socket)
    {
        lock (_gate)
        {
            return !_cut && _open.Add(socket);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Either side went away; the relay closes both.
        }
    }
}
