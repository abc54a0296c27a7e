using System.Text.Json;

namespace Inspection.ModelTools.Evaluation.Metrics;

/// <summary>Detection metrics of one model over one set of images.</summary>
/// <param name="ImageCount">Images evaluated.</param>
/// <param name="ClassCount">Classes the model has; every class is listed in <paramref name="Classes"/>.</param>
/// <param name="ConfidenceThreshold">The confidence at which <see cref="ClassMetrics.AtThreshold"/> is taken.</param>
/// <param name="Map50">Mean of <see cref="ClassMetrics.Ap50"/> over the classes with ground truth; 0 when none has any.</param>
/// <param name="Map50To95">Mean of <see cref="ClassMetrics.Ap50To95"/> over the classes with ground truth; 0 when none has any.</param>
/// <param name="MeanPrecision">Mean precision at the confidence threshold over the classes with ground truth.</param>
/// <param name="MeanRecall">Mean recall at the confidence threshold over the classes with ground truth.</param>
/// <param name="Classes">Per-class metrics, indexed by class id.</param>
/// <param name="Confusion">Which class each labelled box was given, at the confidence threshold and IoU 0.5.</param>
public sealed record MetricsReport(
    int ImageCount,
    int ClassCount,
    float ConfidenceThreshold,
    double Map50,
    double Map50To95,
    double MeanPrecision,
    double MeanRecall,
    IReadOnlyList<ClassMetrics> Classes,
    ConfusionMatrix Confusion)
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The report as indented camelCase JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}
