namespace Inspection.ModelTools.Evaluation.Cascade;

/// <summary>The cascade with one uncertain band: how much it escalates and how accurate it is.</summary>
/// <param name="Lower">Lower edge of the band.</param>
/// <param name="Upper">Upper edge of the band.</param>
/// <param name="EscalatedCount">Frames sent to the cloud.</param>
/// <param name="EscalatedFraction">Share of the frames sent to the cloud, 0–1.</param>
/// <param name="Map50">The cascade's mAP at IoU 0.5 over its mixed prediction set.</param>
/// <param name="Map50To95">The cascade's mAP at IoU 0.50:0.95.</param>
/// <param name="UpperFixed">True for the points of the sweep that moves only the lower edge, the upper edge staying at the shipped band's.</param>
/// <param name="DefectivePassed">Frames with a labelled defect that the edge passes (see <see cref="FrameVerdicts"/>).</param>
/// <param name="CleanRejected">Frames without one that the edge rejects by itself.</param>
public sealed record SweepPoint(
    float Lower, float Upper, int EscalatedCount, double EscalatedFraction, double Map50, double Map50To95, bool UpperFixed,
    int DefectivePassed = 0, int CleanRejected = 0);
