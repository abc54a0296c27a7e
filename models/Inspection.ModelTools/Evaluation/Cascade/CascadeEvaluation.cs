using System.Text.Json;
using Inspection.Detection;
using Inspection.ModelTools.Evaluation.Metrics;

namespace Inspection.ModelTools.Evaluation.Cascade;

/// <summary>Everything <c>evaluate-map</c> measured; written as <c>metrics.json</c>.</summary>
/// <param name="Seed">The dataset seed whose test split was evaluated.</param>
/// <param name="FrameCount">Test frames evaluated.</param>
/// <param name="ClassNames">Class names by id, shared by all the models.</param>
/// <param name="ConfidenceThreshold">The confidence at which precision and recall are reported.</param>
/// <param name="ShippedBand">The band the cascade report uses.</param>
/// <param name="EscalatedCount">Frames the shipped band sends to the cloud.</param>
/// <param name="EscalatedFraction">Share of the frames the shipped band sends to the cloud, 0–1.</param>
/// <param name="Reports">
/// Metrics per model by name, in the order <c>edge</c>, <c>edge-fp32</c> (when given), <c>cloud</c>, <c>cascade</c>.
/// The cascade's is computed over its mixed prediction set (see <see cref="CascadeCombiner"/>). Each class's curve
/// keeps only the points where recall rises, plus the last (see <see cref="CascadeEvaluator.ThinCurves"/>).
/// </param>
/// <param name="Sweep">The cascade at every band of the sweep.</param>
/// <param name="Choice">The cheapest band of the sweep that reaches the target share of the cloud's mAP50, if any.</param>
/// <param name="Verdicts">What the edge's decisions with the shipped band do to whole frames (escapes, good parts rejected).</param>
public sealed record CascadeEvaluation(
    int Seed,
    int FrameCount,
    IReadOnlyList<string> ClassNames,
    float ConfidenceThreshold,
    DecisionBand ShippedBand,
    int EscalatedCount,
    double EscalatedFraction,
    IReadOnlyDictionary<string, MetricsReport> Reports,
    IReadOnlyList<SweepPoint> Sweep,
    BandChoice Choice,
    FrameVerdicts Verdicts)
{
    /// <summary>Name of the edge model's report.</summary>
    public const string Edge = "edge";

    /// <summary>Name of the report of the edge model's fp32 twin.</summary>
    public const string EdgeFp32 = "edge-fp32";

    /// <summary>Name of the cloud model's report.</summary>
    public const string Cloud = "cloud";

    /// <summary>Name of the cascade's report.</summary>
    public const string Cascade = "cascade";

    /// <summary>
    /// Set when the evaluated test line is one the shipped models were trained or validated on (run with
    /// <c>--allow-seen-seed</c>): the figures flatter the models. Null on an unseen line.
    /// </summary>
    public string? SeedWarning { get; init; }

    /// <summary>The part-level figures on consecutive frames of the same line (<c>--part-frames</c>); null when skipped.</summary>
    public Parts.PartEvaluation? Parts { get; init; }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The evaluation as indented camelCase JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}
