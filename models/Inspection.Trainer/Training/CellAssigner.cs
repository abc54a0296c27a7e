namespace Inspection.Trainer.Training;

/// <summary>
/// Decides which grid cells learn which defect (centre sampling). A cell is positive for a box when its centre
/// lies inside the box grown to at least one stride on each axis (so a 3-px defect still owns the cell it sits
/// in) and within <see cref="CentreRadius"/> strides of the box centre. A cell claimed by two boxes goes to the
/// smaller one, which is the harder to find.
/// </summary>
public static class CellAssigner
{
    /// <summary>Positive cells lie at most this many strides from a box centre.</summary>
    public const float CentreRadius = 2.5f;

    public static CellTargets Assign(IReadOnlyList<LabeledImage> batch, int imageSize, int stride, int classCount)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var grid = imageSize / stride;
        var plane = grid * grid;
        var classes = new float[batch.Count * classCount * plane];
        var boxes = new float[batch.Count * 4 * plane];
        var positive = new float[batch.Count * plane];
        var area = new float[plane];
        var count = 0;
        for (var b = 0; b < batch.Count; b++)
        {
            Array.Fill(area, float.PositiveInfinity);
            var image = batch[b];
            for (var i = 0; i < image.Boxes.Count; i++)
            {
                var box = image.Boxes[i];
                var classId = image.ClassIds[i];
                if (classId < 0 || classId >= classCount)
                {
                    throw new ArgumentException(
                        $"Frame {image.FrameIndex} of line {image.Seed} has class id {classId}, but the model has {classCount} classes.", nameof(batch));
                }

                var cx = (box.X1 + box.X2) / 2;
                var cy = (box.Y1 + box.Y2) / 2;
                var halfW = Math.Max(box.Width / 2, stride / 2f);
                var halfH = Math.Max(box.Height / 2, stride / 2f);
                var radius = CentreRadius * stride;
                var boxArea = Math.Max(box.Area, 1e-3f);
                var gx0 = Math.Max(0, (int)MathF.Floor((cx - halfW) / stride));
                var gx1 = Math.Min(grid - 1, (int)MathF.Floor((cx + halfW) / stride));
                var gy0 = Math.Max(0, (int)MathF.Floor((cy - halfH) / stride));
                var gy1 = Math.Min(grid - 1, (int)MathF.Floor((cy + halfH) / stride));
                for (var gy = gy0; gy <= gy1; gy++)
                {
                    for (var gx = gx0; gx <= gx1; gx++)
                    {
                        var px = (gx + 0.5f) * stride;
                        var py = (gy + 0.5f) * stride;
                        if (Math.Abs(px - cx) > halfW || Math.Abs(py - cy) > halfH
                            || Math.Abs(px - cx) > radius || Math.Abs(py - cy) > radius)
                        {
                            continue;
                        }

                        var cell = (gy * grid) + gx;
                        if (boxArea >= area[cell])
                        {
                            continue;
                        }

                        if (float.IsPositiveInfinity(area[cell]))
                        {
                            count++;
                        }

                        area[cell] = boxArea;
                        positive[(b * plane) + cell] = 1;
                        for (var c = 0; c < classCount; c++)
                        {
                            classes[(((b * classCount) + c) * plane) + cell] = c == classId ? 1 : 0;
                        }

                        boxes[(((b * 4) + 0) * plane) + cell] = box.X1;
                        boxes[(((b * 4) + 1) * plane) + cell] = box.Y1;
                        boxes[(((b * 4) + 2) * plane) + cell] = box.X2;
                        boxes[(((b * 4) + 3) * plane) + cell] = box.Y2;
                    }
                }
            }
        }

        return new CellTargets(classes, boxes, positive, count);
    }
}
