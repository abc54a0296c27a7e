namespace Inspection.ModelTools.Tests;

/// <summary>Finds files of the repository the tests run from.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Models => Path.Combine(Root, "models");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Inspection.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Inspection.sln above {AppContext.BaseDirectory}.");
    }
}
