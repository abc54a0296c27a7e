using Inspection.Detection;
using Inspection.EdgeAgent.Parts;

namespace Inspection.EdgeAgent.Inspection;

/// <summary>What the pipeline decided for one frame.</summary>
/// <param name="Sequence">The frame's sequence number.</param>
/// <param name="Decision">Pass, defect or uncertain.</param>
/// <param name="Detections">The model's detections.</param>
/// <param name="Latency">Time spent in the model.</param>
/// <param name="InOutbox">For uncertain frames: whether the frame is durably in the outbox (false: held in memory for a retry).</param>
/// <param name="RejectedBySafePolicy">The frame was uncertain and the safe policy was in force: the line treats it as a defect.</param>
/// <param name="ClosedParts">
/// When the agent decides parts (<c>Parts:Source</c> tracker or trigger): the parts decided with this frame, which the
/// line acts on instead of the frame's own decision; null when it decides frames. With parts, <paramref name="InOutbox"/>
/// says whether the frame's result and its parts' outbox changes are durably stored.
/// </param>
public sealed record InspectionOutcome(
    long Sequence,
    Decision Decision,
    IReadOnlyList<Detection.Detection> Detections,
    TimeSpan Latency,
    bool InOutbox,
    bool RejectedBySafePolicy = false,
    IReadOnlyList<PartOutcome>? ClosedParts = null)
{
    /// <summary>What the line acts on: the edge's decision, or defect for an uncertain frame under the safe policy.</summary>
    public Decision LineDecision => RejectedBySafePolicy ? Decision.Defect : Decision;
}
