using System.Net;
using System.Net.Sockets;

namespace Inspection.Tests.Shared;

/// <summary>A loopback port bound and never listened on: connecting is refused until it is disposed.</summary>
internal sealed class RefusedPort(Socket socket) : IDisposable
{
    public int Port { get; } = ((IPEndPoint)socket.LocalEndPoint!).Port;

    public void Dispose() => socket.Dispose();
}
