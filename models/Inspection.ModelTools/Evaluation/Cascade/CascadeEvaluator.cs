using Inspection.Detection;
using Inspection.ModelTools.Evaluation.Metrics;

namespace Inspection.ModelTools.Evaluation.Cascade;

/// <summary>Scores recorded predictions: each model alone, the cascade with the shipped band, and the band sweep.</summary>
public static class CascadeEvaluator
{
    /// <param name="predictions">
    /// Recorded predictions holding at least <see cref="CascadeEvaluation.Edge"/> and <see cref="CascadeEvaluation.Cloud"/>,
    /// optionally <see cref="CascadeEvaluation.EdgeFp32"/>.
    /// </param>
    /// <param name="seed">The dataset seed the frames came from, recorded in the result.</param>
    /// <param name="classNames">Class names by id, shared by the models.</param>
    /// <param name="confidenceThreshold">The confidence at which precision and recall are reported.</param>
    /// <param name="shippedBand">The band of the cascade report, marked in the sweep.</param>
    /// <param name="targetShare">Share of cloud-only mAP50 the chosen band must reach.</param>
    /// <param name="cancellationToken">Stops between sweep points.</param>
    /// <param name="maxEscalatedShare">The escalation budget of the chosen band (share of frames); 1 for none.</param>
    /// <param name="maxLower">The largest lower edge the chosen band may have; 1 for any.</param>
    public static CascadeEvaluation Evaluate(
        TestSplitPredictions predictions,
        int seed,
        IReadOnlyList<string> classNames,
        float confidenceThreshold,
        DecisionBand shippedBand,
        double targetShare,
        CancellationToken cancellationToken,
        double maxEscalatedShare = 1.0,
        double maxLower = 1.0)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(classNames);
        var classCount = classNames.Count;
        MetricsReport Score(IReadOnlyList<EvaluationImage> images) =>
            ThinCurves(DetectionMetrics.Compute(images, classCount, confidenceThreshold));

        var reports = new Dictionary<string, MetricsReport>(StringComparer.Ordinal)
        {
            [CascadeEvaluation.Edge] = Score(predictions.ImagesOf(CascadeEvaluation.Edge)),
        };
        if (predictions.Has(CascadeEvaluation.EdgeFp32))
        {
            reports[CascadeEvaluation.EdgeFp32] = Score(predictions.ImagesOf(CascadeEvaluation.EdgeFp32));
        }

        reports[CascadeEvaluation.Cloud] = Score(predictions.ImagesOf(CascadeEvaluation.Cloud));
        var frames = predictions.CascadeFrames(CascadeEvaluation.Edge, CascadeEvaluation.Cloud);
        var cascade = CascadeCombiner.Combine(frames, shippedBand);
        reports[CascadeEvaluation.Cascade] = Score(cascade.Images);

        var sweep = BandSweep.Run(frames, BandSweep.Grid(shippedBand), classCount, confidenceThreshold, cancellationToken);
        var choice = BandChooser.Choose(sweep, reports[CascadeEvaluation.Cloud].Map50, targetShare, maxEscalatedShare, maxLower);
        return new CascadeEvaluation(
            seed, predictions.FrameCount, classNames, confidenceThreshold, shippedBand, cascade.EscalatedCount, cascade.EscalatedFraction,
            reports, sweep, choice, FrameVerdicts.Count(frames, shippedBand));
    }

    /// <summary>
    /// Keeps, of each class's precision-recall curve, the points where recall rises (a true positive) and the last
    /// point. Precision only rises at a true positive, so these points carry the whole envelope AP is computed from;
    /// the hundreds of false positives of a 0.001 score threshold in between only make the JSON tens of megabytes.
    /// </summary>
    public static MetricsReport ThinCurves(MetricsReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report with
        {
            Classes = [.. report.Classes.Select(c => c with
            {
                Curve = [.. c.Curve.Where((point, i) => i == c.Curve.Count - 1 || point.Recall > (i == 0 ? 0 : c.Curve[i - 1].Recall))],
            })],
        };
    }
}
