using Inspection.CloudInference.Storage;
using Inspection.CloudInference.Web;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Inspection.CloudInference.Escalations;

/// <summary>
/// Whether the cloud can take escalations now: a model is loaded and the store takes writes (on PostgreSQL: the shared database answers). This is what the gRPC
/// health service (<c>grpc.health.v1.Health</c>) answers for <c>inspection.v1.Escalation</c> and for the whole server,
/// and what edge devices probe to decide whether the cloud is reachable. The MQTT broker is not part of it: escalations
/// do not go through the broker, so a broker outage must not send every device local-only (<c>/healthz</c> still
/// reports it). The store is written at most once a second however many devices probe.
/// </summary>
internal sealed class EscalationReadinessCheck : IHealthCheck
{
    public const string Tag = "escalations";
    private static readonly TimeSpan StoreProbeInterval = TimeSpan.FromSeconds(1);
    private readonly CloudDetector _detector;
    private readonly CloudDatabase _database;
    private readonly PostgreSqlDatabase? _shared;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _gate = new();
    private long _storeCheckedAt;
    private bool _storeChecked;
    private string? _storeProblem;

    /// <param name="detector">The model.</param>
    /// <param name="database">The LiteDB file (escalations on LiteDB; registry, rollouts, reviews, accounts always).</param>
    /// <param name="timeProvider">The clock of the probe interval.</param>
    /// <param name="shared">The PostgreSQL database escalations go to, when the cloud runs on one.</param>
    public EscalationReadinessCheck(CloudDetector detector, CloudDatabase database, TimeProvider timeProvider, PostgreSqlDatabase? shared = null)
    {
        _detector = detector;
        _database = database;
        _shared = shared;
        _timeProvider = timeProvider;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (_detector.Model is null)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("no model loaded"));
        }

        string? store;
        lock (_gate)
        {
            if (!_storeChecked || _timeProvider.GetElapsedTime(_storeCheckedAt) >= StoreProbeInterval)
            {
                _storeProblem = _shared?.Problem() ?? WebExtensions.StoreProblem(_database);
                _storeCheckedAt = _timeProvider.GetTimestamp();
                _storeChecked = true;
            }

            store = _storeProblem;
        }

        return Task.FromResult(store is null ? HealthCheckResult.Healthy("model loaded, store writable") : HealthCheckResult.Unhealthy(store));
    }
}
