using Inspection.ModelTools.Evaluation.Metrics;

namespace Inspection.ModelTools.Evaluation.Cascade;

/// <summary>One test frame as the cascade sees it: its ground truth and what each model reported on it.</summary>
/// <param name="Truth">The labelled defects; empty for a clean frame.</param>
/// <param name="Edge">Everything the edge model reported, however low its confidence.</param>
/// <param name="Cloud">Everything the cloud model reported on the same frame.</param>
/// <param name="Source">Where the frame came from, quoted in error messages.</param>
public sealed record CascadeFrame(
    IReadOnlyList<LabeledBox> Truth,
    IReadOnlyList<Inspection.Detection.Detection> Edge,
    IReadOnlyList<Inspection.Detection.Detection> Cloud,
    string? Source = null)
{
    public IReadOnlyList<LabeledBox> Truth { get; } = Truth ?? throw new ArgumentNullException(nameof(Truth));

    public IReadOnlyList<Inspection.Detection.Detection> Edge { get; } = Edge ?? throw new ArgumentNullException(nameof(Edge));

    public IReadOnlyList<Inspection.Detection.Detection> Cloud { get; } = Cloud ?? throw new ArgumentNullException(nameof(Cloud));
}
