using System.Globalization;
using Inspection.Contracts.Mqtt;
using Inspection.Contracts.Rollouts;

namespace Inspection.CloudInference.Rollouts;

/// <summary>
/// What a rollout request becomes before anything is sent: its strategy with every default filled in and checked,
/// its devices taken from the fleet, and those devices split into waves (canary first). Pure: the same request and
/// fleet give the same plan.
/// </summary>
public sealed record RolloutPlan(RolloutStrategy Strategy, IReadOnlyList<IReadOnlyList<string>> Waves)
{
    public const int DefaultCanaryCount = 1;
    public const int DefaultDeviceTimeoutSeconds = 900;
    public const int DefaultMaxConcurrentUpdates = 10;
    public const int DefaultGateEscalations = 20;
    public const double DefaultGateMinutes = 5;
    public const int DefaultReviewMinParts = 20;
    public const int DefaultReviewMaxParts = 300;
    public const double DefaultReviewFalseRejectAllowance = 0.05;

    /// <summary>
    /// Builds the plan for <paramref name="request"/> over the devices the cloud knows (id → reported state, null
    /// when a device has not reported yet).
    /// </summary>
    /// <exception cref="ArgumentException">The request is not valid, or no device matches its target.</exception>
    public static RolloutPlan Create(RolloutRequest request, IReadOnlyDictionary<string, ReportedState?> fleet)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(fleet);
        var strategy = Resolve(request.Strategy ?? new RolloutStrategy());
        var devices = Select(request.Target ?? throw new ArgumentException("target is required: devices, line, tag or all"), fleet);

        var canary = strategy.Canary!.Devices is { Count: > 0 } named
            ? named.Distinct(StringComparer.Ordinal).ToList()
            : devices.Take(Math.Min(strategy.Canary.Count!.Value, devices.Count)).ToList();
        if (canary.FirstOrDefault(id => !devices.Contains(id, StringComparer.Ordinal)) is { } outside)
        {
            throw new ArgumentException($"canary device '{outside}' is not in the rollout's target");
        }

        var waves = new List<IReadOnlyList<string>> { canary };
        var rest = devices.Where(id => !canary.Contains(id, StringComparer.Ordinal)).ToList();
        var assigned = canary.Count;
        foreach (var percent in CumulativePercents(strategy))
        {
            var upTo = Math.Min(devices.Count, (int)Math.Ceiling(devices.Count * percent / 100 - 1e-9));
            var take = Math.Min(rest.Count, upTo - assigned);
            if (take <= 0)
            {
                continue;
            }

            waves.Add(rest.Take(take).ToList());
            rest.RemoveRange(0, take);
            assigned += take;
        }

        if (rest.Count > 0)
        {
            waves.Add(rest);
        }

        // The canary stays the first wave even when empty (a count of 0): wave names keep their meaning.
        return new RolloutPlan(strategy, [waves[0], .. waves.Skip(1).Where(w => w.Count > 0)]);
    }

    /// <summary>The strategy with every default filled in; throws <see cref="ArgumentException"/> naming the first invalid member.</summary>
    public static RolloutStrategy Resolve(RolloutStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        var canary = strategy.Canary ?? new CanarySpec();
        if (canary.Devices is { Count: > 0 } && canary.Count is not null)
        {
            throw new ArgumentException("canary: give a count or devices, not both");
        }

        if (canary.Count is < 0)
        {
            throw new ArgumentException($"canary.count must not be negative, got {canary.Count}");
        }

        if (strategy.Waves is { Count: > 0 } && strategy.Ramp is not null)
        {
            throw new ArgumentException("give waves or ramp, not both");
        }

        if (strategy.Waves is { Count: > 0 } waves)
        {
            for (var i = 0; i < waves.Count; i++)
            {
                if (waves[i] is <= 0 or > 100 || (i > 0 && waves[i] <= waves[i - 1]))
                {
                    throw new ArgumentException($"waves are cumulative percentages of the target, rising, each in (0, 100]: got [{string.Join(", ", waves.Select(w => w.ToString(CultureInfo.InvariantCulture)))}]");
                }
            }

            if (waves[^1] != 100)
            {
                throw new ArgumentException($"the last wave must reach 100 (percent of the target), got {waves[^1].ToString(CultureInfo.InvariantCulture)}");
            }
        }

        if (strategy.Ramp is { } ramp && (ramp.StartPercent is <= 0 or > 100 || ramp.Factor <= 1))
        {
            throw new ArgumentException("ramp: startPercent must be in (0, 100] and factor above 1");
        }

        var failure = strategy.FailureThreshold ?? new FailureThreshold(Count: 1);
        if (failure.Count is < 1 || failure.Share is <= 0 or > 1 || (failure.Count is null && failure.Share is null))
        {
            throw new ArgumentException("failureThreshold: count must be 1 or more and share in (0, 1]; give at least one");
        }

        var success = strategy.SuccessThreshold ?? 1;
        if (success is <= 0 or > 1)
        {
            throw new ArgumentException($"successThreshold must be in (0, 1], got {success.ToString(CultureInfo.InvariantCulture)}");
        }

        var timeout = strategy.DeviceTimeoutSeconds ?? DefaultDeviceTimeoutSeconds;
        if (timeout is < 1 or > 7 * 24 * 3600)
        {
            throw new ArgumentException($"deviceTimeoutSeconds must be between 1 and 604800, got {timeout}");
        }

        var concurrent = strategy.MaxConcurrentUpdates ?? DefaultMaxConcurrentUpdates;
        if (concurrent is < 1 or > 100000)
        {
            throw new ArgumentException($"maxConcurrentUpdates must be between 1 and 100000, got {concurrent}");
        }

        if (strategy.MaintenanceWindow is { } window)
        {
            _ = MaintenanceWindows.Parse(window);
        }

        var gate = strategy.AccuracyGate ?? new AccuracyGate();
        gate = new AccuracyGate(
            gate.Escalations ?? DefaultGateEscalations,
            gate.Minutes ?? DefaultGateMinutes,
            gate.MaxEscalationRatio ?? 2,
            gate.EscalationSlack ?? 0.02,
            gate.MaxDisagreementRatio ?? 2,
            gate.DisagreementSlack ?? 0.1);
        if (gate.Escalations < 0 || gate.Minutes < 0 || gate.MaxEscalationRatio < 1 || gate.MaxDisagreementRatio < 1
            || gate.EscalationSlack is < 0 or > 1 || gate.DisagreementSlack is < 0 or > 1)
        {
            throw new ArgumentException("accuracyGate: escalations and minutes must not be negative, ratios at least 1, slacks in [0, 1]");
        }

        var review = strategy.ReviewCheck is { } asked ? ResolveReviewCheck(asked) : null;
        return new RolloutStrategy(
            canary.Devices is { Count: > 0 } ? new CanarySpec(null, canary.Devices) : new CanarySpec(canary.Count ?? DefaultCanaryCount),
            strategy.Ramp is null ? strategy.Waves is { Count: > 0 } ? strategy.Waves : [100] : null,
            strategy.Ramp,
            success,
            failure,
            timeout,
            concurrent,
            strategy.MaintenanceWindow,
            gate,
            review);
    }

    private static ReviewCheck ResolveReviewCheck(ReviewCheck check)
    {
        var resolved = new ReviewCheck(
            check.MinParts ?? DefaultReviewMinParts,
            check.MaxParts ?? Math.Max(DefaultReviewMaxParts, check.MinParts ?? 0),
            check.EscapeAllowance ?? 0,
            check.FalseRejectAllowance ?? DefaultReviewFalseRejectAllowance,
            check.ShadowMinAgreement ?? 0,
            check.IncludeTrainSplit ?? false);
        return resolved.MinParts is < 1 or > 100000 ? throw new ArgumentException($"reviewCheck.minParts must be between 1 and 100000, got {resolved.MinParts}")
            : resolved.MaxParts < resolved.MinParts || resolved.MaxParts > 100000 ? throw new ArgumentException($"reviewCheck.maxParts must be between minParts ({resolved.MinParts}) and 100000, got {resolved.MaxParts}")
            : resolved.EscapeAllowance < 0 ? throw new ArgumentException($"reviewCheck.escapeAllowance must not be negative, got {resolved.EscapeAllowance}")
            : resolved.FalseRejectAllowance is < 0 or > 1 ? throw new ArgumentException($"reviewCheck.falseRejectAllowance is a share of the clean parts, in [0, 1]; got {resolved.FalseRejectAllowance?.ToString(CultureInfo.InvariantCulture)}")
            : resolved.ShadowMinAgreement is < 0 or > 1 ? throw new ArgumentException($"reviewCheck.shadowMinAgreement must be in [0, 1], got {resolved.ShadowMinAgreement?.ToString(CultureInfo.InvariantCulture)}")
            : resolved;
    }

    private static List<string> Select(RolloutTarget target, IReadOnlyDictionary<string, ReportedState?> fleet)
    {
        var given = (target.Devices is { Count: > 0 } ? 1 : 0) + (string.IsNullOrWhiteSpace(target.Line) ? 0 : 1)
            + (string.IsNullOrWhiteSpace(target.Tag) ? 0 : 1) + (target.All ? 1 : 0);
        if (given != 1)
        {
            throw new ArgumentException("target: give exactly one of devices, line, tag or all");
        }

        List<string> devices;
        if (target.Devices is { Count: > 0 } named)
        {
            if (named.FirstOrDefault(id => !MqttTopics.IsValidDeviceId(id)) is { } invalid)
            {
                throw new ArgumentException($"device id '{invalid}' is not valid: use 1-64 letters, digits, '-', '_' or '.'");
            }

            if (named.FirstOrDefault(id => !fleet.ContainsKey(id)) is { } unknown)
            {
                throw new ArgumentException($"device '{unknown}' is not known to the cloud (it has never reported)");
            }

            devices = [.. named.Distinct(StringComparer.Ordinal)];
        }
        else
        {
            devices = [.. fleet
                .Where(d => target.All
                    || (target.Line is { } line && d.Value?.LineId == line)
                    || (target.Tag is { } tag && d.Value?.Tags?.Contains(tag, StringComparer.Ordinal) == true))
                .Select(d => d.Key)
                .Order(StringComparer.Ordinal)];
        }

        return devices.Count > 0 ? devices
            : throw new ArgumentException(target.Line is not null ? $"no device reports line '{target.Line}'"
                : target.Tag is not null ? $"no device reports tag '{target.Tag}'"
                : "the cloud knows no device yet");
    }

    private static IEnumerable<double> CumulativePercents(RolloutStrategy strategy)
    {
        if (strategy.Ramp is { } ramp)
        {
            for (var percent = ramp.StartPercent; ; percent *= ramp.Factor)
            {
                if (percent >= 100)
                {
                    yield return 100;
                    yield break;
                }

                yield return percent;
            }
        }

        foreach (var percent in strategy.Waves ?? [100])
        {
            yield return percent;
        }
    }
}
