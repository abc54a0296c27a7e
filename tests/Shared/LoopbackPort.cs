using System.Net;
using System.Net.Sockets;

namespace Inspection.Tests.Shared;

/// <summary>
/// TCP ports on 127.0.0.1 for servers a test starts. Where the server can tell its bound port (Kestrel), bind port 0
/// and read it back instead. Where it cannot (MQTTnet's broker, mosquitto, a child process), the server binds a
/// candidate itself and <see cref="BindAsync{T}"/> tries the next one when the bind fails because the port is taken:
/// a port is never probed, released and then hoped for.
/// </summary>
internal static class LoopbackPort
{
    // Below the kernel's ephemeral range (32768+), so outgoing connections cannot take a port handed out here, and
    // every port is handed out once per process.
    private const int First = 20000;
    private const int Count = 12000;
    private const int Attempts = 20;
    private static int _next = Random.Shared.Next(Count);

    /// <summary>
    /// A port for a server that binds it itself: not yet handed out in this process and not listened on at this
    /// moment. Another process may still take it before the bind, so start the server with <see cref="BindAsync{T}"/>.
    /// </summary>
    public static int Candidate()
    {
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var port = First + (Interlocked.Increment(ref _next) % Count);
            if (!IsListenedOn(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No port between {First} and {First + Count} is free on 127.0.0.1.");
    }

    /// <summary>
    /// Starts a server on a candidate port and returns what <paramref name="start"/> returns. When the start fails
    /// because the port is in use (<see cref="IsAddressInUse"/>, or <paramref name="isConflict"/> for a child process
    /// that can only say so in its output), tries a fresh port, up to 20 times.
    /// </summary>
    public static async Task<T> BindAsync<T>(Func<int, Task<T>> start, Func<Exception, bool>? isConflict = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = Candidate();
            try
            {
                return await start(port);
            }
            catch (Exception ex) when (attempt < Attempts && (IsAddressInUse(ex) || isConflict?.Invoke(ex) == true))
            {
            }
        }
    }

    /// <summary>True when the exception, or one inside it, says the address was in use.</summary>
    public static bool IsAddressInUse(Exception? exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            if (ex is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                return true;
            }

            if (ex is AggregateException aggregate && aggregate.InnerExceptions.Any(IsAddressInUse))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A port on which connections are refused for as long as the reservation lives: the socket is bound, so no
    /// other process can listen there, and never listens.
    /// </summary>
    public static RefusedPort Refused()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return new RefusedPort(socket);
    }

    private static bool IsListenedOn(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }
}
