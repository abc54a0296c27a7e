namespace Inspection.Trainer.Training;

/// <summary>Training targets for a batch (see <see cref="CellAssigner"/>), laid out like the head output.</summary>
/// <param name="Classes">[B, nc, G, G]: 1 where a cell is positive for a class.</param>
/// <param name="Boxes">[B, 4, G, G]: the assigned box (x1, y1, x2, y2, input pixels) of positive cells.</param>
/// <param name="Positive">[B, 1, G, G]: 1 for positive cells.</param>
/// <param name="PositiveCount">How many cells are positive.</param>
public sealed record CellTargets(float[] Classes, float[] Boxes, float[] Positive, int PositiveCount);
