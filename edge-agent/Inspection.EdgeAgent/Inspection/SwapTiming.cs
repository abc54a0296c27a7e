namespace Inspection.EdgeAgent.Inspection;

/// <summary>How the loop went over a swap: the gap between the last frame the old model decided and the first the new one decided.</summary>
/// <param name="LastOldFrameSequence">Sequence of the last frame the old model decided.</param>
/// <param name="FirstNewFrameSequence">Sequence of the first frame the new model decided.</param>
/// <param name="Gap">Time from the old model's last decision to the new model's first.</param>
/// <param name="FirstFrameLateness">How late the first frame on the new model started against its slot (the swap costs the line nothing when this is only the timer's wake-up).</param>
public sealed record SwapTiming(long LastOldFrameSequence, long FirstNewFrameSequence, TimeSpan Gap, TimeSpan FirstFrameLateness);
