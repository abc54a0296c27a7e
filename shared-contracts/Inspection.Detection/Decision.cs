namespace Inspection.Detection;

/// <summary>The outcome of inspecting one frame.</summary>
public enum Decision
{
    /// <summary>No detection reaches the uncertain band.</summary>
    Pass = 0,

    /// <summary>At least one detection is at or above the defect threshold.</summary>
    Defect = 1,

    /// <summary>The best detection falls inside the uncertain band: a larger model should look.</summary>
    Uncertain = 2,
}
