namespace Inspection.CloudInference.Tests.Infrastructure;

/// <summary>Finds files of the repository from the test's output folder.</summary>
public static class RepoPaths
{
    public static string Root => RepositoryRoot.Path;

    /// <summary>
    /// The production cloud model, which exists once the models have been built; INSPECTION_CLOUD_MODEL
    /// points the tests at another build of it.
    /// </summary>
    public static string CloudModel =>
        Environment.GetEnvironmentVariable("INSPECTION_CLOUD_MODEL") is { Length: > 0 } path
            ? path
            : Path.Combine(Root, "models", "cloud", "inspection-cloud.onnx");

    /// <summary>The shipped int8 edge model (committed).</summary>
    public static string EdgeModel => Path.Combine(Root, "models", "edge", "inspection-edge.onnx");
}
