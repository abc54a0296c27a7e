using System.Security.Cryptography;
using System.Text;

namespace Inspection.CloudInference.Escalations;

/// <summary>What every escalation store computes the same way over the records it read, whatever it keeps them in.</summary>
internal static class EscalationTotals
{
    /// <summary>See <see cref="IEscalationStore.DisagreementOf"/>; <paramref name="escalations"/> are one device's.</summary>
    public static Disagreement DisagreementOver(IEnumerable<StoredEscalation> escalations, long release, long fromTicks)
    {
        int judged = 0, contradicted = 0;
        foreach (var escalation in escalations)
        {
            if (escalation.EdgeModelRelease != release || escalation.ReceivedTicks < fromTicks
                || escalation.Verdict is not (Verdicts.Pass or Verdicts.Defect))
            {
                continue;
            }

            judged++;
            // A part leaned defect when any of its escalated frames did: its verdict is the part's, not one frame's.
            var edge = escalation.Part is { } part ? part.Frames.SelectMany(f => f.EdgeDetections) : escalation.EdgeDetections;
            var leansDefect = edge.Any(d => d.Confidence >= 0.5);
            if (leansDefect != (escalation.Verdict == Verdicts.Defect))
            {
                contradicted++;
            }
        }

        return new Disagreement(judged, contradicted);
    }

    /// <summary>See <see cref="IEscalationStore.PartSummary"/>; <paramref name="parts"/> are the part escalations' verdicts and parts.</summary>
    public static PartSummary PartSummaryOver(IEnumerable<(string Verdict, StoredPart Part)> parts)
    {
        long pass = 0, defect = 0, uncertain = 0, frames = 0, refused = 0;
        foreach (var (verdict, part) in parts)
        {
            switch (verdict)
            {
                case Verdicts.Pass: pass++; break;
                case Verdicts.Defect: defect++; break;
                case Verdicts.Uncertain: uncertain++; break;
            }

            frames += part.Frames.Count;
            refused += part.Frames.Count(f => f.Error.Length > 0);
        }

        return new PartSummary(pass + defect + uncertain, pass, defect, uncertain, frames, refused);
    }

    /// <summary>
    /// The id of a refusal record: a repeat of the same key for the same reason is the same record. The key is hashed:
    /// a refused device id may be of any length, and an index key may not.
    /// </summary>
    public static string RejectedId(RefusalKind kind, string? deviceId, ulong? sequence) =>
        Convert.ToHexString(
            SHA256.HashData(Encoding.UTF8.GetBytes($"{kind}\n{sequence?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty}\n{deviceId}")),
            0,
            16);
}
