namespace Inspection.EdgeAgent.Storage;

/// <summary>What <see cref="ReviewVerdictStore.Apply"/> did with a reviewed verdict.</summary>
public enum ReviewVerdictOutcome
{
    /// <summary>Recorded on the part's or frame's record as its final verdict.</summary>
    Applied,

    /// <summary>Its id was recorded before (a redelivery): nothing changed.</summary>
    Redelivered,

    /// <summary>The record already carries a later review: kept, this one only noted.</summary>
    Superseded,

    /// <summary>The device holds no such part or frame (never seen here, or removed by retention): noted and counted.</summary>
    Unknown,
}
