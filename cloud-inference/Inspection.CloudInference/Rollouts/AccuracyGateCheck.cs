using System.Globalization;
using Inspection.CloudInference.Escalations;
using Inspection.Contracts.Rollouts;

namespace Inspection.CloudInference.Rollouts;

/// <summary>
/// The accuracy gate's verdict on one device: after it committed, its escalation rate and the cloud's disagreement
/// with it must stay within the gate's bounds of what the previous model showed on the same device. Both sides are
/// counts, so the verdict takes their uncertainty into account: a device fails only when the new model's rate is
/// above the bound even at the low end of its 95 % interval, with the bound taken from the high end of the previous
/// model's (Wilson score intervals). A device that had inspected few frames before its update, or escalated few
/// since, is therefore not failed on chance.
/// </summary>
public static class AccuracyGateCheck
{
    private const double Z = 1.96;

    /// <summary>Null when the device passes; otherwise the reason it fails, in plain words.</summary>
    /// <param name="gate">The resolved gate (every member set).</param>
    /// <param name="before">Escalations and frames of the previous model on the device.</param>
    /// <param name="after">Escalations and frames of the new model since it committed.</param>
    /// <param name="disagreementBefore">The cloud's disagreement with the previous model on the device.</param>
    /// <param name="disagreementAfter">The cloud's disagreement with the new model since it committed.</param>
    public static string? Judge(AccuracyGate gate, (long Escalated, long Frames) before, (long Escalated, long Frames) after, Disagreement disagreementBefore, Disagreement disagreementAfter)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(disagreementBefore);
        ArgumentNullException.ThrowIfNull(disagreementAfter);
        var allowedEscalation = (Upper(before.Escalated, before.Frames) * gate.MaxEscalationRatio!.Value) + gate.EscalationSlack!.Value;
        if (Lower(after.Escalated, after.Frames) > allowedEscalation)
        {
            return string.Create(
                CultureInfo.InvariantCulture,
                $"accuracy gate: the new model escalates {Rate(after):P1} of {after.Frames} frames, the previous one {Rate(before):P1} of {before.Frames} on this device (at most {allowedEscalation:P1} allowed, 95 % intervals)");
        }

        var allowedDisagreement = (Upper(disagreementBefore.Contradicted, disagreementBefore.Judged) * gate.MaxDisagreementRatio!.Value) + gate.DisagreementSlack!.Value;
        if (Lower(disagreementAfter.Contradicted, disagreementAfter.Judged) > allowedDisagreement)
        {
            return string.Create(
                CultureInfo.InvariantCulture,
                $"accuracy gate: the cloud contradicted the new model on {disagreementAfter.Contradicted} of {disagreementAfter.Judged} escalations ({disagreementAfter.Rate:P1}), the previous one on {disagreementBefore.Rate:P1} of {disagreementBefore.Judged} (at most {allowedDisagreement:P1} allowed, 95 % intervals)");
        }

        return null;
    }

    /// <summary>Low end of the Wilson score interval of <paramref name="successes"/> in <paramref name="trials"/> (0 with no trials).</summary>
    public static double Lower(long successes, long trials) => trials <= 0 ? 0 : Wilson(successes, trials, -1);

    /// <summary>High end of the Wilson score interval (1 with no trials: nothing is known).</summary>
    public static double Upper(long successes, long trials) => trials <= 0 ? 1 : Wilson(successes, trials, +1);

    private static double Rate((long Escalated, long Frames) counts) => counts.Frames == 0 ? 0 : (double)counts.Escalated / counts.Frames;

    private static double Wilson(long successes, long trials, int sign)
    {
        var n = (double)trials;
        var p = Math.Clamp(successes / n, 0, 1);
        var z2 = Z * Z;
        var centre = p + (z2 / (2 * n));
        var spread = Z * Math.Sqrt((p * (1 - p) / n) + (z2 / (4 * n * n)));
        return Math.Clamp((centre + (sign * spread)) / (1 + (z2 / n)), 0, 1);
    }
}
