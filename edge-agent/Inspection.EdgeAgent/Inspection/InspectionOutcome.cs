using Inspection.Detection;

namespace Inspection.EdgeAgent.Inspection;

/// <summary>What the pipeline decided for one frame.</summary>
/// <param name="Sequence">The frame's sequence number.</param>
/// <param name="Decision">Pass, defect or uncertain.</param>
/// <param name="Detections">The model's detections.</param>
/// <param name="Latency">Time spent in the model.</param>
/// <param name="InOutbox">For uncertain frames: whether the frame is durably in the outbox (false: held in memory for a retry).</param>
/// <param name="RejectedBySafePolicy">The frame was uncertain and the safe policy was in force: the line treats it as a defect.</param>
public sealed record InspectionOutcome(long Sequence, Decision Decision, IReadOnlyList<Detection.Detection> Detections, TimeSpan Latency, bool InOutbox, bool RejectedBySafePolicy = false)
{
    /// <summary>What the line acts on: the edge's decision, or defect for an uncertain frame under the safe policy.</summary>
    public Decision LineDecision => RejectedBySafePolicy ? Decision.Defect : Decision;
}
