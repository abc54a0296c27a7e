namespace Inspection.CloudInference.Review;

/// <summary>A model that produced an item's boxes.</summary>
/// <param name="Name">Model name from its metadata.</param>
/// <param name="Version">Model version from its metadata.</param>
/// <param name="Release">Registry release of the package it came from (0: configured by path, or not known for the cloud model).</param>
public sealed record ReviewModel(string Name, string Version, long Release);
