using Inspection.Detection;

namespace Inspection.Trainer.Training;

/// <summary>One letterboxed network input (planar RGB in [0, 1]) and its defect boxes in input pixels.</summary>
/// <param name="Pixels">3 × size × size floats.</param>
/// <param name="Boxes">Defect boxes in input pixels.</param>
/// <param name="ClassIds">Class id of each box.</param>
/// <param name="Seed">The line seed the frame came from.</param>
/// <param name="FrameIndex">The frame of that line.</param>
public sealed record LabeledImage(float[] Pixels, IReadOnlyList<BoundingBox> Boxes, IReadOnlyList<int> ClassIds, int Seed, long FrameIndex);
