using Inspection.Detection;

namespace Inspection.EdgeAgent.Parts;

/// <summary>A part the edge decided when it left the view (tracker) or with its one frame (trigger): what the line acts on.</summary>
/// <param name="PartId">The part's id on this device: the sequence of the first frame it was seen in.</param>
/// <param name="Decision">The edge's decision by the part rule over the frames that counted.</param>
/// <param name="RejectedBySafePolicy">The part was uncertain while the safe policy was in force: the line rejects it.</param>
/// <param name="FramesSeen">Frames the part was seen in.</param>
/// <param name="Escalated">The part is durably in the outbox, ready to be sent to the cloud.</param>
public sealed record PartOutcome(long PartId, Decision Decision, bool RejectedBySafePolicy, int FramesSeen, bool Escalated)
{
    /// <summary>What the line acts on: the edge's decision, or defect for an uncertain part under the safe policy.</summary>
    public Decision LineDecision => RejectedBySafePolicy ? Decision.Defect : Decision;
}
