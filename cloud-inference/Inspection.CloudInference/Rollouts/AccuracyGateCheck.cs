using System.Globalization;
using Inspection.CloudInference.Escalations;
using Inspection.Contracts.Rollouts;

namespace Inspection.CloudInference.Rollouts;

/// <summary>
/// The accuracy gate's verdict on one device: after it committed, its escalation rate and the cloud's disagreement
/// with it must stay within the gate's bounds of what the previous model showed on the same device.
/// </summary>
public static class AccuracyGateCheck
{
    /// <summary>Null when the device passes; otherwise the reason it fails, in plain words.</summary>
    /// <param name="gate">The resolved gate (every member set).</param>
    /// <param name="escalationBefore">Share of frames the previous model escalated on the device.</param>
    /// <param name="escalationAfter">Share of frames the new model escalated since it committed.</param>
    /// <param name="before">The cloud's disagreement with the previous model on the device.</param>
    /// <param name="after">The cloud's disagreement with the new model since it committed.</param>
    public static string? Judge(AccuracyGate gate, double escalationBefore, double escalationAfter, Disagreement before, Disagreement after)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var allowedEscalation = (escalationBefore * gate.MaxEscalationRatio!.Value) + gate.EscalationSlack!.Value;
        if (escalationAfter > allowedEscalation)
        {
            return string.Create(
                CultureInfo.InvariantCulture,
                $"accuracy gate: the new model escalates {escalationAfter:P1} of frames, the previous one {escalationBefore:P1} on this device (at most {allowedEscalation:P1} allowed)");
        }

        var allowedDisagreement = (before.Rate * gate.MaxDisagreementRatio!.Value) + gate.DisagreementSlack!.Value;
        if (after.Judged > 0 && after.Rate > allowedDisagreement)
        {
            return string.Create(
                CultureInfo.InvariantCulture,
                $"accuracy gate: the cloud contradicted the new model on {after.Contradicted} of {after.Judged} escalations ({after.Rate:P1}), the previous one on {before.Rate:P1} (at most {allowedDisagreement:P1} allowed)");
        }

        return null;
    }
}
