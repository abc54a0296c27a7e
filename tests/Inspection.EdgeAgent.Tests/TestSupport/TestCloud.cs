using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Inspection.Contracts.Identity;
using Inspection.Contracts.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Inspection.EdgeAgent.Tests.TestSupport;

/// <summary>
/// A small cloud for forwarding tests: Kestrel on 127.0.0.1 (free port, HTTP/2 only) serving the real
/// <c>Escalation</c> service contract, answering each frame as <see cref="CloudBehaviour.Answer"/> says, and the standard
/// gRPC health service. It can be stopped and started again on the same address, as a cloud that goes away and comes back.
/// With a <see cref="TestFleet"/> it speaks mTLS instead: HTTPS with the fleet's server certificate, a client certificate
/// of the fleet CA required, and <c>GET /package</c> for downloads.
/// </summary>
internal sealed class TestCloud : IAsyncDisposable
{
    private readonly int _port;
    private readonly TestFleet? _fleet;
    private WebApplication? _app;

    private TestCloud(WebApplication app, CloudBehaviour behaviour, string address, int port, TestFleet? fleet)
    {
        _app = app;
        Behaviour = behaviour;
        Address = address;
        _port = port;
        _fleet = fleet;
    }

    public string Address { get; }

    public CloudBehaviour Behaviour { get; }

    public static async Task<TestCloud> StartAsync(Func<EscalationRequest, EscalationReply?> answer, TestFleet? fleet = null)
    {
        var behaviour = new CloudBehaviour { Answer = answer };
        behaviour.Health.SetStatus(Escalation.Descriptor.FullName, HealthCheckResponse.Types.ServingStatus.Serving);
        var app = await StartAppAsync(behaviour, 0, fleet);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestCloud(app, behaviour, address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal), new Uri(address).Port, fleet);
    }

    /// <summary>Stops the cloud: its port refuses connections until <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    /// <summary>Starts the cloud again on the same address, with the same behaviour.</summary>
    public async Task StartAgainAsync() => _app = await StartAppAsync(Behaviour, _port, _fleet);

    /// <summary>What <c>GET /package</c> serves.</summary>
    public static byte[] PackageBytes { get; } = [1, 2, 3, 4, 5];

    /// <summary>The device a connection's client certificate names; "(none)" on cleartext.</summary>
    public static string Certified(X509Certificate2? certificate) =>
        certificate is null ? "(none)" : DeviceIdentity.FromCertificate(certificate) ?? "(no device id)";

    private static async Task<WebApplication> StartAppAsync(CloudBehaviour behaviour, int port, TestFleet? fleet)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, o =>
        {
            o.Protocols = fleet is null ? HttpProtocols.Http2 : HttpProtocols.Http1AndHttp2;
            if (fleet is not null)
            {
                o.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = fleet.Server,
                    ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                    ClientCertificateValidation = (certificate, _, _) =>
                        FleetTrust.Validate(certificate, fleet.Authority, FleetTrust.ClientAuthOid, DateTimeOffset.UtcNow, out _),
                });
            }
        }));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(behaviour);
        builder.Services.AddSingleton(behaviour.Health);
        var app = builder.Build();
        app.MapGrpcService<TestEscalationService>();
        app.MapGrpcService<HealthServiceImpl>();
        app.MapGet("/package", (HttpContext context) =>
        {
            behaviour.CertifiedDevices.Enqueue(Certified(context.Connection.ClientCertificate));
            return Results.Bytes(PackageBytes, "application/octet-stream");
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        return app;
    }

    public static EscalationReply Stored(EscalationRequest request, Verdict verdict = Verdict.Defect) => new()
    {
        Key = request.Key,
        Verdict = verdict,
        CloudModel = new ModelRef { Name = "cloud", Version = "9.9.9" },
        CloudDetections = { new Contracts.V1.Detection { ClassId = 0, ClassName = "scratch", Confidence = 0.93f, X1 = 1, Y1 = 2, X2 = 3, Y2 = 4 } },
    };

    public ValueTask DisposeAsync() => new(StopAsync());
}

/// <summary>What the test cloud does and what it received.</summary>
internal sealed class CloudBehaviour
{
    public required Func<EscalationRequest, EscalationReply?> Answer { get; set; }

    public ConcurrentQueue<EscalationRequest> Received { get; } = new();

    /// <summary>Per call and per download, the device its connection's certificate names.</summary>
    public ConcurrentQueue<string> CertifiedDevices { get; } = new();

    /// <summary>The cloud's gRPC health service; the escalation service starts SERVING.</summary>
    public HealthServiceImpl Health { get; } = new();

    /// <summary>Fail every call with this status instead of answering.</summary>
    public StatusCode? FailWith { get; set; }

    /// <summary>After reading the batch, answer nothing and never end the call (the client's deadline ends it).</summary>
    public bool Hang { get; set; }

    public int Calls;
}

/// <summary>The in-test Escalation service.</summary>
internal sealed class TestEscalationService : Escalation.EscalationBase
{
    private readonly CloudBehaviour _behaviour;

    public TestEscalationService(CloudBehaviour behaviour)
    {
        _behaviour = behaviour;
    }

    public override async Task Escalate(IAsyncStreamReader<EscalationRequest> requestStream, IServerStreamWriter<EscalationReply> responseStream, ServerCallContext context)
    {
        Interlocked.Increment(ref _behaviour.Calls);
        _behaviour.CertifiedDevices.Enqueue(TestCloud.Certified(context.GetHttpContext().Connection.ClientCertificate));
        if (_behaviour.FailWith is { } status)
        {
            throw new RpcException(new Status(status, "the test cloud is failing"));
        }
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            _behaviour.Received.Enqueue(request);
            if (_behaviour.Answer(request) is { } reply)
            {
                await responseStream.WriteAsync(reply, context.CancellationToken);
            }
        }

        if (_behaviour.Hang)
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }
    }
}
