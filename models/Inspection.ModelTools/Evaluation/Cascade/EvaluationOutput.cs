using System.Text;

namespace Inspection.ModelTools.Evaluation.Cascade;

/// <summary>
/// Writes the evaluation's files: <c>metrics.json</c>, <c>pr-&lt;model&gt;.png</c> per report and
/// <c>cascade-tradeoff.png</c>. Each file is written beside its target and renamed over it, so an interrupted run
/// leaves the previous file or the new one, never half of one.
/// </summary>
public static class EvaluationOutput
{
    public const string MetricsFileName = "metrics.json";

    public const string TradeoffFileName = "cascade-tradeoff.png";

    /// <summary>File name of the precision-recall chart of the report named <paramref name="model"/>.</summary>
    public static string PrecisionRecallFileName(string model) => $"pr-{model}.png";

    /// <summary>Writes every file into <paramref name="directory"/> (created if missing) and returns their paths.</summary>
    /// <exception cref="IOException"><paramref name="directory"/> is a file, or the disk refused a write.</exception>
    public static IReadOnlyList<string> Write(string directory, CascadeEvaluation evaluation)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(evaluation);
        if (File.Exists(directory))
        {
            throw new IOException($"'{Path.GetFullPath(directory)}' is a file; --out needs a folder for metrics.json and the charts.");
        }

        Directory.CreateDirectory(directory);
        var written = new List<string>();
        void Save(string name, byte[] content)
        {
            var path = Path.Combine(directory, name);
            WriteAtomically(path, content);
            written.Add(path);
        }

        Save(MetricsFileName, Encoding.UTF8.GetBytes(evaluation.ToJson()));
        foreach (var (model, report) in evaluation.Reports)
        {
            var title = model == CascadeEvaluation.Cascade
                ? $"Precision-recall at IoU 0.5: cascade, band {evaluation.ShippedBand.Lower:0.00}/{evaluation.ShippedBand.Upper:0.00}"
                : $"Precision-recall at IoU 0.5: {model}";
            Save(PrecisionRecallFileName(model), PrecisionRecallChart.Render(report, evaluation.ClassNames, title));
        }

        Save(TradeoffFileName, CascadeTradeoffChart.Render(evaluation));
        return written;
    }

    internal static void WriteAtomically(string path, byte[] content)
    {
        var temporary = path + ".tmp";
        try
        {
            File.WriteAllBytes(temporary, content);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
