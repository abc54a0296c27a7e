using System.Net;
using System.Net.Sockets;

namespace Inspection.Tests.Shared;

/// <summary>
/// A TCP port on 127.0.0.1 that was free a moment ago. Taken from below the kernel's ephemeral range
/// (32768+), so outgoing connections of parallel tests cannot grab it between the check and the bind.
/// </summary>
internal static class FreePort
{
    private const int First = 20000;
    private const int Count = 12000;
    private static int _next = Random.Shared.Next(Count);

    public static int Next()
    {
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var port = First + (Interlocked.Increment(ref _next) % Count);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException($"No free TCP port between {First} and {First + Count}.");
    }

    /// <summary>Waits until something accepts connections on the port.</summary>
    public static async Task WaitListeningAsync(int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }
}
