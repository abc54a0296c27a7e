using static TorchSharp.torch;

namespace Inspection.Trainer.Training;

/// <summary>
/// Loss = BCE over every cell's class logits (summed, divided by the number of positive cells) plus
/// <see cref="BoxWeight"/> × mean (1 − GIoU) of positive cells' boxes against their assigned box.
/// </summary>
public static class DetectionLoss
{
    /// <summary>Weight of the box term against the class term.</summary>
    public const float BoxWeight = 2.0f;

    public static LossTerms Compute(Tensor raw, CellTargets targets, int classCount)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(targets);
        var (batch, height, width) = (raw.shape[0], raw.shape[2], raw.shape[3]);
        var normalizer = Math.Max(1, targets.PositiveCount);
        var classTarget = tensor(targets.Classes, [batch, classCount, height, width]);
        var classLoss = nn.functional.binary_cross_entropy_with_logits(
            raw.narrow(1, 4, classCount), classTarget, reduction: nn.Reduction.Sum) / normalizer;

        var positive = tensor(targets.Positive, [batch, 1, height, width]);
        var boxTarget = tensor(targets.Boxes, [batch, 4, height, width]);
        var d = DetectorNet.Distances(raw);
        var (cx, cy) = DetectorNet.CellCentres(height, width);
        var px1 = cx - d.narrow(1, 0, 1);
        var py1 = cy - d.narrow(1, 1, 1);
        var px2 = cx + d.narrow(1, 2, 1);
        var py2 = cy + d.narrow(1, 3, 1);
        var (tx1, ty1, tx2, ty2) = (boxTarget.narrow(1, 0, 1), boxTarget.narrow(1, 1, 1), boxTarget.narrow(1, 2, 1), boxTarget.narrow(1, 3, 1));
        var interW = (minimum(px2, tx2) - maximum(px1, tx1)).clamp_min(0);
        var interH = (minimum(py2, ty2) - maximum(py1, ty1)).clamp_min(0);
        var inter = interW * interH;
        var union = ((px2 - px1) * (py2 - py1)) + ((tx2 - tx1) * (ty2 - ty1)) - inter + 1e-6f;
        var iou = inter / union;
        var hull = ((maximum(px2, tx2) - minimum(px1, tx1)) * (maximum(py2, ty2) - minimum(py1, ty1))) + 1e-6f;
        var giou = iou - ((hull - union) / hull);
        var boxLoss = ((1 - giou) * positive).sum() / normalizer;

        var total = classLoss + (BoxWeight * boxLoss);
        return new LossTerms(total, classLoss.item<float>(), boxLoss.item<float>());
    }
}
