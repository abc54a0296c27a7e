using Inspection.Detection;
using Inspection.ModelTools.Evaluation.Metrics;

namespace Inspection.ModelTools.Evaluation.Cascade;

/// <summary>What the cascade made of a set of frames with one uncertain band.</summary>
/// <param name="Band">The band the edge decided with.</param>
/// <param name="Images">
/// Per frame, the predictions that stand: the cloud's for an escalated frame, the edge's otherwise. Same order as the frames.
/// </param>
/// <param name="Decisions">The edge's decision per frame; <see cref="Decision.Uncertain"/> marks an escalated frame.</param>
/// <param name="EscalatedCount">Frames sent to the cloud.</param>
public sealed record CascadeOutcome(
    DecisionBand Band, IReadOnlyList<EvaluationImage> Images, IReadOnlyList<Decision> Decisions, int EscalatedCount)
{
    /// <summary>Share of the frames sent to the cloud, 0–1.</summary>
    public double EscalatedFraction => Decisions.Count == 0 ? 0 : (double)EscalatedCount / Decisions.Count;
}
