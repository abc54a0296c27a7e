using System.Text.Json;

namespace Inspection.ModelTools.Dataset;

/// <summary>
/// Where a dataset is built and how it replaces a previous one. Building in a hidden sibling folder and renaming it
/// into place means the output folder only ever holds a complete dataset: the old one until the new one is done.
/// </summary>
internal static class DatasetOutputFolder
{
    /// <summary>The full path of the dataset folder, after checking it may be (re)written; writes nothing.</summary>
    public static string CheckTarget(string outputDirectory)
    {
        string target;
        try
        {
            target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outputDirectory));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new ArgumentException($"'{outputDirectory}' is not a usable folder path: {e.Message}", nameof(outputDirectory), e);
        }

        if (Path.GetDirectoryName(target) is null)
        {
            throw new ArgumentException($"The dataset needs a folder of its own, not the root '{target}'.", nameof(outputDirectory));
        }

        if (File.Exists(target))
        {
            throw new IOException($"'{target}' is a file; the dataset needs a folder.");
        }

        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any() && !IsDataset(target))
        {
            throw new IOException(
                $"'{target}' already holds files that are not a dataset written by this tool; nothing was changed. " +
                "Choose a new or empty folder, e.g. models/generated/dataset.");
        }

        return target;
    }

    /// <summary>Creates an empty staging folder next to <paramref name="target"/>, clearing one a killed run left behind.</summary>
    public static string CreateStaging(string target)
    {
        var staging = SiblingPath(target, "partial");
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        Directory.CreateDirectory(staging);
        return staging;
    }

    /// <summary>Moves the finished dataset into place, replacing an empty folder or a previous dataset.</summary>
    public static void Commit(string staging, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(staging, target);
            return;
        }

        if (!Directory.EnumerateFileSystemEntries(target).Any())
        {
            Directory.Delete(target);
            Directory.Move(staging, target);
            return;
        }

        // The old dataset is kept aside until the new one is in place, so a failed move loses neither.
        var previous = SiblingPath(target, "previous");
        if (Directory.Exists(previous))
        {
            Directory.Delete(previous, recursive: true);
        }

        Directory.Move(target, previous);
        try
        {
            Directory.Move(staging, target);
        }
        catch
        {
            Directory.Move(previous, target);
            throw;
        }

        TryDelete(previous);
    }

    public static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover hidden folder is cleared by the next run, and must not hide the original error.
        }
    }

    /// <summary>Whether <paramref name="directory"/> holds a manifest written by this exporter.</summary>
    public static bool IsDataset(string directory)
    {
        var manifest = Path.Combine(directory, DatasetExporter.ManifestFileName);
        if (!File.Exists(manifest))
        {
            return false;
        }

        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(manifest));
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("generator", out var generator)
                && generator.ValueKind == JsonValueKind.String
                && generator.GetString() == DatasetExporter.Generator;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string SiblingPath(string target, string purpose) =>
        Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{purpose}");
}
