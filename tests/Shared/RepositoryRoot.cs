namespace Inspection.Tests.Shared;

/// <summary>The repository's root folder (the one holding Inspection.sln), found from the test's output folder.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Inspection.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"Inspection.sln was not found above {AppContext.BaseDirectory}.");
    }
}
