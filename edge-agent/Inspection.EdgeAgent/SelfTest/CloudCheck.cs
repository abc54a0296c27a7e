using Grpc.Core;
using Grpc.Health.V1;
using Inspection.EdgeAgent.Forwarding;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.SelfTest;

/// <summary>
/// The cloud answers the standard gRPC health check for the escalation service, over the agent's own channel (its
/// address, TLS and device certificate), as the outbox forwarder probes it: the cheapest call that proves the
/// escalation path end to end.
/// </summary>
public sealed class CloudCheck(Health.HealthClient health, IOptions<CloudOptions> cloud, IOptions<SelfTestOptions> options, TimeProvider time) : ISelfTestCheck
{
    public string Name => "cloud";

    public async Task<SelfTestResult> RunAsync(CancellationToken cancellationToken)
    {
        var address = cloud.Value.Address;
        var timeout = TimeSpan.FromSeconds(options.Value.TimeoutSeconds);
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
            return SelfTestResult.Fail($"cannot reach the cloud at {address} (Cloud:Address): {detail}");
        }
    }
}
