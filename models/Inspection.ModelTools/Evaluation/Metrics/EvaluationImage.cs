namespace Inspection.ModelTools.Evaluation.Metrics;

/// <summary>One evaluated frame: its ground truth and the model's predictions on it.</summary>
/// <param name="Truth">The labelled objects; empty for a frame without defects.</param>
/// <param name="Predictions">Everything the model reported, however low its confidence.</param>
/// <param name="Source">Where the frame came from (e.g. its file name), quoted in error messages.</param>
public sealed record EvaluationImage(IReadOnlyList<LabeledBox> Truth, IReadOnlyList<ScoredBox> Predictions, string? Source = null)
{
    public IReadOnlyList<LabeledBox> Truth { get; } = Truth ?? throw new ArgumentNullException(nameof(Truth));

    public IReadOnlyList<ScoredBox> Predictions { get; } = Predictions ?? throw new ArgumentNullException(nameof(Predictions));
}
