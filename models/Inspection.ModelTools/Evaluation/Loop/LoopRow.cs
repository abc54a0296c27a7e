using Inspection.ModelTools.Evaluation.Parts;

namespace Inspection.ModelTools.Evaluation.Loop;

/// <summary>One edge model on one held-out line of one part variant.</summary>
/// <param name="Variant">The part variant (<c>a</c>, <c>b</c>).</param>
/// <param name="DatasetSeed">The reserved dataset seed; its test line is the one rendered.</param>
/// <param name="LineSeed">The test line.</param>
/// <param name="Model">Which model: <c>before</c> or <c>after</c>.</param>
/// <param name="Map50">The edge model's mAP50 on the line's test-split frames.</param>
/// <param name="Parts">What the cascade with the shipped bands did to the line's parts.</param>
/// <param name="EscalatedPerHour">Parts escalated to the cloud per hour at the line's part rate.</param>
/// <param name="PersonItemsPerHour">Parts left to a person per hour at the line's part rate.</param>
public sealed record LoopRow(string Variant, int DatasetSeed, int LineSeed, string Model, double Map50, PartScore Parts, double EscalatedPerHour, double PersonItemsPerHour);
