namespace Inspection.Detection.Packaging;

/// <summary>What the publisher says about a package beyond what the model file says itself.</summary>
/// <param name="Release">Release number (≥ 1, above every release devices have committed).</param>
/// <param name="Name">Model name; null takes the file name without its extension.</param>
/// <param name="Version">Semantic version; null takes the model metadata's version.</param>
/// <param name="Recommended">Decision band and detection settings the model runs with (the golden run uses them).</param>
/// <param name="MinAgentVersion">Oldest edge agent that may run it.</param>
/// <param name="Tolerance">How close a device's golden run must come to the publisher's.</param>
public sealed record PackageDetails(
    long Release,
    string? Name,
    string? Version,
    RecommendedSettings Recommended,
    string MinAgentVersion,
    GoldenTolerance Tolerance);
