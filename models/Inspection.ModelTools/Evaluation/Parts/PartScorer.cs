using Inspection.Detection;
using Inspection.Detection.Parts;

namespace Inspection.ModelTools.Evaluation.Parts;

/// <summary>
/// Replays the part rules of the agent and the cloud on a recorded clip and scores the outcome against the line's
/// true parts. Per tracker id: the edge decides each counted view with its band over the detections on the part,
/// the part's edge verdict is <see cref="PartVerdict.Of"/> of those; an uncertain part is escalated once with its K
/// uncertain views of highest deciding score (ties to the earlier frame), the cloud decides each with its band over
/// its detections on the part box, and the part's cloud verdict is <see cref="PartVerdict.Of"/> of those. A true part
/// takes the verdicts of every tracker id mapped to it, combined by the same rule (a split part is rejected when
/// either piece is). Only parts that entered and left within the clip are scored.
/// </summary>
/// <remarks>
/// A frame's decision is <see cref="DecisionBand.Decide"/> of its best confidence, and <see cref="PartVerdict.Of"/> is
/// defect when any frame is, pass when all pass: so the part's edge verdict is the band's decision on its best view's
/// score, and its uncertain views are those scoring at least the lower edge. The scorer reads that off the views ranked
/// once per clip, which keeps a sweep of tens of thousands of settings within seconds; a test holds it to the literal
/// frame-by-frame rule.
/// </remarks>
public static class PartScorer
{
    /// <summary>Scores one clip with one set of settings.</summary>
    public static PartScore Score(PartClip clip, PartSettings settings) => Score(clip, settings, askCloud: true);

    /// <summary>
    /// What the edge alone does with <paramref name="settings"/>: the cloud is not asked and every escalated part
    /// counts as left to a person. Its escalations and edge-alone figures equal <see cref="Score(PartClip, PartSettings)"/>'s,
    /// so a sweep can drop edge settings without running the cloud on what they would escalate.
    /// </summary>
    public static PartScore EdgeOnly(PartClip clip, PartSettings settings) => Score(clip, settings, askCloud: false);

    private static PartScore Score(PartClip clip, PartSettings settings, bool askCloud)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.MaxEscalatedFrames < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.MaxEscalatedFrames, "At least one frame per escalated part.");
        }

        var final = new Dictionary<int, Decision>();
        var edgeAlone = new Dictionary<int, Decision>();
        var escalatedParts = new HashSet<int>();
        int escalations = 0, escalatedFrames = 0, beltEscalations = 0;
        var scored = clip.TrueParts.Where(p => p.WithinClip).ToDictionary(p => p.Id);
        for (var t = 0; t < clip.TrackedParts.Count; t++)
        {
            var part = clip.TrackedParts[t];
            var ranked = clip.RankedViews(t, settings.WholeViewsOnly);
            var edge = ranked.Count == 0 ? Decision.Pass : Decide(settings.EdgeBand, ranked[0].EdgeScore);
            var verdict = edge;
            var sent = 0;
            var everyPart = settings.EveryPartToCloud && ranked.Count > 0;
            if (edge == Decision.Uncertain || everyPart)
            {
                var cloud = askCloud ? Decision.Pass : Decision.Uncertain;
                for (var i = 0; i < ranked.Count && sent < settings.MaxEscalatedFrames && (everyPart || ranked[i].EdgeScore >= settings.EdgeBand.Lower); i++)
                {
                    if (askCloud)
                    {
                        cloud = PartVerdict.Combine(cloud, Decide(settings.CloudBand, clip.CloudScore(ranked[i].Frame, ranked[i].Box)));
                    }

                    sent++;
                }

                verdict = cloud;
            }

            if (part.TruePartId is not { } trueId)
            {
                beltEscalations += sent > 0 ? 1 : 0;
                continue;
            }

            if (!scored.ContainsKey(trueId))
            {
                continue;
            }

            final[trueId] = PartVerdict.Combine(final.GetValueOrDefault(trueId, Decision.Pass), verdict);
            edgeAlone[trueId] = PartVerdict.Combine(edgeAlone.GetValueOrDefault(trueId, Decision.Pass), edge);
            if (sent > 0)
            {
                escalatedParts.Add(trueId);
                escalations++;
                escalatedFrames += sent;
            }
        }

        int escapes = 0, falseRejects = 0, left = 0, edgeEscapes = 0, edgeFalseRejects = 0, missed = 0;
        foreach (var (id, truth) in scored)
        {
            if (!final.TryGetValue(id, out var verdict))
            {
                // No id ever stood for it: the line gets no verdict, and a defective part goes on unchecked.
                missed++;
                escapes += truth.Defective ? 1 : 0;
                edgeEscapes += truth.Defective ? 1 : 0;
                continue;
            }

            var edge = edgeAlone[id];
            escapes += truth.Defective && verdict == Decision.Pass ? 1 : 0;
            falseRejects += !truth.Defective && verdict == Decision.Defect ? 1 : 0;
            left += verdict == Decision.Uncertain ? 1 : 0;
            edgeEscapes += truth.Defective && edge == Decision.Pass ? 1 : 0;
            edgeFalseRejects += !truth.Defective && edge == Decision.Defect ? 1 : 0;
        }

        return new PartScore(
            scored.Count, scored.Values.Count(p => p.Defective), escapes, falseRejects, escalatedParts.Count, left, escalations,
            escalatedFrames, edgeEscapes, edgeFalseRejects, missed, escalatedParts.Count(id => scored[id].Defective), beltEscalations);
    }

    /// <summary>Scores several clips with one set of settings and adds the figures up.</summary>
    public static PartScore Score(IEnumerable<PartClip> clips, PartSettings settings)
    {
        ArgumentNullException.ThrowIfNull(clips);
        return clips.Aggregate(PartScore.Zero, (sum, clip) => sum.Add(Score(clip, settings)));
    }

    /// <summary><see cref="DecisionBand.Decide"/> of a frame whose best detection scores <paramref name="score"/> (0: none).</summary>
    public static Decision Decide(DecisionBand band, float score) =>
        score >= band.Upper ? Decision.Defect : score >= band.Lower ? Decision.Uncertain : Decision.Pass;
}
