namespace Inspection.ModelTools.Review;

/// <summary>A true defect box of the synthetic line, in pixels of the frame, as <c>labels.jsonl</c> holds it.</summary>
/// <param name="ClassName">The defect class.</param>
/// <param name="X1">Left.</param>
/// <param name="Y1">Top.</param>
/// <param name="X2">Right.</param>
/// <param name="Y2">Bottom.</param>
public sealed record TruthBox(string ClassName, double X1, double Y1, double X2, double Y2)
{
    /// <summary>Intersection over union with another box.</summary>
    public double IoU(double x1, double y1, double x2, double y2)
    {
        var w = Math.Min(X2, x2) - Math.Max(X1, x1);
        var h = Math.Min(Y2, y2) - Math.Max(Y1, y1);
        if (w <= 0 || h <= 0)
        {
            return 0;
        }

        var inter = w * h;
        var union = ((X2 - X1) * (Y2 - Y1)) + ((x2 - x1) * (y2 - y1)) - inter;
        return union <= 0 ? 0 : inter / union;
    }
}
