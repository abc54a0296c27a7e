using Inspection.Detection;

namespace Inspection.ModelTools.Evaluation.Parts;

/// <summary>The settings a part's verdict depends on, as the agent and the cloud read them.</summary>
/// <param name="EdgeBand">The edge's band (<c>Decision:Lower/Upper</c>) applied to each frame's detections on the part.</param>
/// <param name="CloudBand">The cloud's band (<c>Cloud:Decision:Lower/Upper</c>) applied to each escalated frame's cloud detections on the part.</param>
/// <param name="MaxEscalatedFrames">K: the most informative uncertain frames escalated per part (<c>Parts:MaxEscalatedFrames</c>).</param>
/// <param name="WholeViewsOnly">Only frames with the part whole in view count (<c>Parts:WholeViewsOnly</c>); a part never whole in view uses all its views.</param>
/// <param name="EveryPartToCloud">
/// For choosing the cloud's band only (the agent has no such setting): every part goes to the cloud with its K best
/// views whatever the edge scored, clean parts without a single detection included, so the cloud's band is judged on
/// what it does to good parts as well as to defective ones.
/// </param>
public sealed record PartSettings(DecisionBand EdgeBand, DecisionBand CloudBand, int MaxEscalatedFrames, bool WholeViewsOnly, bool EveryPartToCloud = false);
