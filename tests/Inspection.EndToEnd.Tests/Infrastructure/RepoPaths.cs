namespace Inspection.EndToEnd.Tests.Infrastructure;

/// <summary>Where the repository and the built deployables are, seen from a test run.</summary>
internal static class RepoPaths
{
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    public static string Root => RepositoryRoot.Path;

    public static string EdgeAgentDll => Built("edge-agent/Inspection.EdgeAgent", "Inspection.EdgeAgent.dll");

    public static string CloudInferenceDll => Built("cloud-inference/Inspection.CloudInference", "Inspection.CloudInference.dll");

    public static string EdgeModel => Path.Combine(Root, "models", "edge", "inspection-edge.onnx");

    public static string CloudModel => Path.Combine(Root, "models", "cloud", "inspection-cloud.onnx");

    private static string Built(string project, string dll)
    {
        var path = Path.Combine(Root, project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{dll} is not built at {path}; build Inspection.sln in {Configuration} first.", path);
    }
}
