using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Inspection.Contracts.Escalations;
using Inspection.EdgeAgent.Degradation;
using Microsoft.Extensions.DependencyInjection;

namespace Inspection.EdgeAgent.Forwarding;

/// <summary>
/// The one gRPC channel to the cloud. One address: a plain channel to it. Several (<see cref="CloudOptions.Addresses"/>):
/// grpc-dotnet's client-side load balancing over a fixed list, round robin, so the device keeps a connection to every
/// replica and spreads its calls over those that are up; a replica that goes away leaves the rotation as soon as its
/// connection drops and comes back once it answers a reconnect.
/// </summary>
public static class CloudChannel
{
    /// <summary>The channel's own address when it balances over replicas (the static resolver's scheme).</summary>
    public const string BalancedAddress = "static:///cloud-replicas";

    /// <summary>A channel to the cloud as configured; its HTTP handler presents the device certificate when <paramref name="tls"/> is configured.</summary>
    public static GrpcChannel Create(CloudOptions cloud, DegradationOptions degradation, CloudTls? tls)
    {
        ArgumentNullException.ThrowIfNull(cloud);
        var endpoints = cloud.Endpoints;
        if (endpoints.Count == 1)
        {
            return ForEndpoint(endpoints[0], degradation, tls);
        }

        var options = Options(degradation, tls);

        var uris = endpoints.Select(static a => new Uri(a, UriKind.Absolute)).ToList();
        var addresses = uris.Select(static u => new BalancerAddress(u.Host, u.Port)).ToList();
        var services = new ServiceCollection();
        services.AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => addresses));
        options.ServiceProvider = services.BuildServiceProvider();
        options.ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } };

        // The scheme cannot come from the channel's address any more: the options checked that all replicas share one.
        options.Credentials = uris[0].Scheme == Uri.UriSchemeHttps ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure;
        return GrpcChannel.ForAddress(BalancedAddress, options);
    }

    /// <summary>A channel to one replica only, whatever else is configured (the self-test asks each replica in turn).</summary>
    public static GrpcChannel ForEndpoint(string address, DegradationOptions degradation, CloudTls? tls) =>
        GrpcChannel.ForAddress(address, Options(degradation, tls));

    private static GrpcChannelOptions Options(DegradationOptions degradation, CloudTls? tls)
    {
        var options = OutboxForwarder.ChannelOptions(degradation);
        if (tls is { Configured: true })
        {
            options.HttpHandler = tls.CreateHandler();
            options.DisposeHttpClient = true;
        }

        return options;
    }
}
