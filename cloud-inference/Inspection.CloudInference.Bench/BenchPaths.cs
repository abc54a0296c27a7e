namespace Inspection.CloudInference.Bench;

/// <summary>What every bench prints or finds the same way: the repository it runs in and the processor it ran on.</summary>
internal static class BenchPaths
{
    /// <summary>The folder holding Inspection.sln above the bench's binaries; the current folder when none does.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Inspection.sln")))
            {
                return directory.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }

    /// <summary>The processor's model name as /proc/cpuinfo gives it: every figure is printed with it.</summary>
    public static string Cpu()
    {
        var line = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
            : null;
        return line is null ? "unknown processor" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }
}
