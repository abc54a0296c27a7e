using System.Globalization;
using System.Text;
using Inspection.ModelTools.Evaluation.Metrics;

namespace Inspection.ModelTools.Evaluation.Cascade;

/// <summary>The console tables of <c>evaluate-map</c>.</summary>
public static class EvaluationTable
{
    /// <summary>
    /// One row per report: mAP50, mAP50-95, per-class precision/recall at the confidence threshold, and the share
    /// of frames escalated (cascade only).
    /// </summary>
    public static string Models(CascadeEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var culture = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(culture, $"Test split of seed {evaluation.Seed}, {evaluation.FrameCount} frames; P/R at confidence {evaluation.ConfidenceThreshold:0.00}, IoU 0.5.\n");
        text.Append(culture, $"{"model",-10} {"mAP50",6} {"mAP50-95",8}");
        foreach (var name in evaluation.ClassNames)
        {
            text.Append(culture, $" {name + " P/R",13}");
        }

        text.Append(culture, $" {"escalated",9}\n");
        foreach (var (model, report) in evaluation.Reports)
        {
            text.Append(culture, $"{model,-10} {report.Map50,6:0.000} {report.Map50To95,8:0.000}");
            foreach (var metrics in report.Classes)
            {
                var cell = metrics.TruthCount == 0 ? "no truth" : $"{metrics.AtThreshold.Precision:0.000}/{metrics.AtThreshold.Recall:0.000}";
                text.Append(culture, $" {cell,13}");
            }

            var escalated = model == CascadeEvaluation.Cascade ? Percent(evaluation.EscalatedFraction) : "-";
            text.Append(culture, $" {escalated,9}\n");
        }

        var v = evaluation.Verdicts;
        text.Append(culture,
            $"Frames with the shipped band {evaluation.ShippedBand.Lower:0.00} / {evaluation.ShippedBand.Upper:0.00}: the edge passes {v.DefectivePassed} of {v.DefectiveFrames} with a labelled defect (the cloud never sees them) and rejects {v.CleanRejected} of {v.CleanFrames} without one by itself.\n");
        return text.ToString();
    }

    /// <summary>
    /// The sweep of the lower edge at the shipped upper edge, every point; then, of the other (lower, upper) pairs,
    /// only those no other pair beats on both escalation and mAP50 (the Pareto front), so the table stays readable.
    /// Each row also counts the frames with a labelled defect the edge passes and those without one it rejects.
    /// </summary>
    public static string Sweep(CascadeEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var culture = CultureInfo.InvariantCulture;
        var cloud = evaluation.Reports[CascadeEvaluation.Cloud].Map50;
        var text = new StringBuilder();
        void Header(string title)
        {
            text.Append(title).Append('\n');
            text.Append(culture, $"  {"lower",5} {"upper",5} {"escalated",9} {"mAP50",6} {"mAP50-95",8} {"of cloud",8} {"defective passed",16} {"clean rejected",14}\n");
        }

        void Row(SweepPoint p)
        {
            var marks = (p.Lower == evaluation.ShippedBand.Lower && p.Upper == evaluation.ShippedBand.Upper ? " shipped" : string.Empty)
                + (p == evaluation.Choice.Chosen ? " chosen" : string.Empty);
            text.Append(culture,
                $"  {p.Lower,5:0.00} {p.Upper,5:0.00} {Percent(p.EscalatedFraction),9} {p.Map50,6:0.000} {p.Map50To95,8:0.000} {(cloud > 0 ? Percent(p.Map50 / cloud) : "-"),8} {p.DefectivePassed,16} {p.CleanRejected,14}{marks}\n");
        }

        Header(string.Create(culture, $"Sweep of the lower edge, upper edge at {evaluation.ShippedBand.Upper:0.00}:"));
        foreach (var point in evaluation.Sweep.Where(p => p.UpperFixed).OrderBy(p => p.Lower))
        {
            Row(point);
        }

        var pairs = evaluation.Sweep.Where(p => !p.UpperFixed).ToList();
        var front = pairs
            .Where(p => !pairs.Any(q => q.EscalatedCount <= p.EscalatedCount && q.Map50 >= p.Map50 && (q.EscalatedCount < p.EscalatedCount || q.Map50 > p.Map50)))
            .GroupBy(p => (p.EscalatedCount, p.Map50))
            .Select(g => g.First())
            .OrderBy(p => p.EscalatedCount)
            .ToList();
        Header(string.Create(culture, $"Other (lower, upper) pairs on the 0.05 grid, Pareto front ({front.Count} of {pairs.Count}):"));
        foreach (var point in front)
        {
            Row(point);
        }

        text.Append(evaluation.Choice.Describe()).Append('\n');
        return text.ToString();
    }

    /// <summary>
    /// Each model's confusion matrix at the confidence threshold: rows the labelled class, columns the class it was
    /// given (<c>none</c>: missed, or in the last row, a prediction on no labelled box).
    /// </summary>
    public static string Confusion(CascadeEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var culture = CultureInfo.InvariantCulture;
        var names = evaluation.ClassNames.Append("none").ToArray();
        var width = Math.Max(7, names.Max(n => n.Length) + 1);
        var text = new StringBuilder();
        text.Append(culture,
            $"Confusion at confidence {evaluation.ConfidenceThreshold:0.00}, IoU {ConfusionMatrix.PairingIou:0.0} (rows: labelled class; columns: class given; none: missed / on nothing):\n");
        foreach (var (model, report) in evaluation.Reports)
        {
            text.Append(culture, $"  {model,-10}");
            foreach (var name in names)
            {
                text.Append(' ').Append(name.PadLeft(width));
            }

            text.Append('\n');
            for (var t = 0; t < names.Length; t++)
            {
                text.Append(culture, $"    {names[t],-8}");
                for (var p = 0; p < names.Length; p++)
                {
                    var cell = t == names.Length - 1 && p == names.Length - 1 ? "-" : report.Confusion.Counts[t][p].ToString(culture);
                    text.Append(' ').Append(cell.PadLeft(width));
                }

                text.Append('\n');
            }
        }

        text.Append("Every labelled box given another class, with its frame: metrics.json, reports.<model>.confusion.mistakes.\n");
        return text.ToString();
    }

    private static string Percent(double fraction) => (fraction * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}
