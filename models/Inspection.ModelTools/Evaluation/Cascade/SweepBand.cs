using Inspection.Detection;

namespace Inspection.ModelTools.Evaluation.Cascade;

/// <summary>One band of a sweep.</summary>
/// <param name="Band">The uncertain band.</param>
/// <param name="UpperFixed">True when the band belongs to the sweep of the lower edge at the shipped upper edge.</param>
public readonly record struct SweepBand(DecisionBand Band, bool UpperFixed);
