namespace Inspection.EdgeAgent.Inspection;

/// <summary>Where a model change stands in the inspection loop.</summary>
public enum TransitionPhase
{
    /// <summary>Both models see every frame; the current one decides.</summary>
    Shadowing,

    /// <summary>The candidate decides; the previous model stays loaded; the health window runs.</summary>
    Watching,

    /// <summary>Ended: committed, rolled back or abandoned.</summary>
    Ended,
}
