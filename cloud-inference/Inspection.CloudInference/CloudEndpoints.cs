using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Inspection.CloudInference;

/// <summary>
/// The addresses the cloud actually listens on. With port 0 in <c>Cloud:GrpcUrl</c> or <c>Cloud:HttpUrl</c> the
/// operating system picks a free port at bind time; Kestrel writes the bound endpoint back into the listen options,
/// and this reads it from there, so a caller learns the port without racing another process for it.
/// </summary>
public sealed class CloudEndpoints
{
    private ListenOptions? _grpc;
    private ListenOptions? _http;
    private ListenOptions? _tls;

    /// <summary>The gRPC (HTTP/2) endpoint; valid once the app has started.</summary>
    public IPEndPoint Grpc => Bound(_grpc, "gRPC");

    /// <summary>The operator page and JSON API (HTTP/1.1) endpoint; valid once the app has started.</summary>
    public IPEndPoint Http => Bound(_http, "HTTP");

    /// <summary>The devices' mTLS endpoint (<c>Cloud:Tls:Url</c>); valid once the app has started with it configured.</summary>
    public IPEndPoint Tls => Bound(_tls, "mTLS");

    internal void SetGrpc(ListenOptions listen) => _grpc = listen;

    internal void SetHttp(ListenOptions listen) => _http = listen;

    internal void SetTls(ListenOptions listen) => _tls = listen;

    private static IPEndPoint Bound(ListenOptions? listen, string what) =>
        listen?.IPEndPoint is { Port: > 0 } endpoint
            ? endpoint
            : throw new InvalidOperationException($"The {what} endpoint is not bound yet: read it after the app has started.");
}
