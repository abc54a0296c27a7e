namespace Inspection.ModelTools.Tests;

/// <summary>Finds files of the repository the tests run from.</summary>
internal static class RepositoryPaths
{
    public static string Root => RepositoryRoot.Path;

    public static string Models => Path.Combine(Root, "models");
}
