using Grpc.Core;
using Grpc.Health.V1;
using Inspection.EdgeAgent.Degradation;
using Inspection.EdgeAgent.Forwarding;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.SelfTest;

/// <summary>
/// Every configured cloud replica answers the standard gRPC health check for the escalation service, each over a channel
/// of its own with the agent's TLS and device certificate, as the outbox forwarder probes the cloud: the cheapest call
/// that proves the escalation path end to end. Each replica is asked on its own because the agent's balanced channel
/// would hide a dead one behind a live one until the day the live one goes.
/// </summary>
public sealed class CloudCheck(
    CloudTls tls,
    IOptions<CloudOptions> cloud,
    IOptions<DegradationOptions> degradation,
    IOptions<SelfTestOptions> options,
    TimeProvider time) : ISelfTestCheck
{
    public string Name => "cloud";

    public async Task<SelfTestResult> RunAsync(CancellationToken cancellationToken)
    {
        var endpoints = cloud.Value.Endpoints;
        var results = new List<SelfTestResult>(endpoints.Count);
        foreach (var address in endpoints)
        {
            results.Add(await CheckAsync(address, cancellationToken).ConfigureAwait(false));
        }

        if (results.Count == 1)
        {
            return results[0];
        }

        var failed = results.Count(static r => r.Status == SelfTestStatus.Fail);
        var detail = string.Join("; ", results.Select(static r => r.Detail));
        return failed == 0
            ? SelfTestResult.Pass($"all {results.Count} replicas: {detail}")
            : SelfTestResult.Fail($"{failed} of {results.Count} replicas in {cloud.Value.EndpointsKey} fail: {detail}");
    }

    private async Task<SelfTestResult> CheckAsync(string address, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(options.Value.TimeoutSeconds);
        using var channel = CloudChannel.ForEndpoint(address, degradation.Value, tls);
        var health = new Health.HealthClient(channel);
        try
        {
            var reply = await health.CheckAsync(
                new HealthCheckRequest { Service = OutboxForwarder.ProbedService },
                deadline: time.GetUtcNow().UtcDateTime + timeout,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            return reply.Status == HealthCheckResponse.Types.ServingStatus.Serving
                ? SelfTestResult.Pass($"{address} answers the gRPC health check: SERVING")
                : SelfTestResult.Fail($"{address} answers the gRPC health check but is {reply.Status}: it takes no escalations now");
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
        {
            var detail = ex.StatusCode == StatusCode.DeadlineExceeded
                ? $"no answer within {timeout.TotalSeconds:F0} s"
                : $"{ex.StatusCode}: {ex.Status.Detail}";
            return SelfTestResult.Fail($"cannot reach the cloud at {address} ({cloud.Value.EndpointsKey}): {detail}");
        }
    }
}
