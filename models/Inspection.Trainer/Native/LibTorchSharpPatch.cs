using Microsoft.Extensions.Logging;

namespace Inspection.Trainer.Native;

/// <summary>
/// Makes TorchSharp's native bridge load on Debian 12. <c>libLibTorchSharp.so</c> 0.107.0 requires
/// <c>GLIBCXX_3.4.32</c>, but Debian 12's libstdc++ stops at 3.4.30, so the load fails (and TorchSharp's
/// message wrongly blames a missing libtorch package reference). The only symbol of that version it binds is
/// <c>std::ios_base_library_init()</c>, which nothing calls, so the requirement is marked weak in the copy next
/// to this program. The build copies the unpatched file back each time, hence this runs at every start,
/// before the first torch call.
/// </summary>
public static partial class LibTorchSharpPatch
{
    /// <summary>The file name of TorchSharp's native bridge on Linux.</summary>
    public const string LibraryFileName = "libLibTorchSharp.so";

    /// <summary>The version requirement Debian 12 cannot satisfy.</summary>
    public const string MissingVersion = "GLIBCXX_3.4.32";

    /// <summary>Every copy of the bridge the runtime may load: beside the program, and under runtimes/ if present.</summary>
    public static IReadOnlyList<string> FindLibraries(string baseDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseDirectory);
        string[] candidates =
        [
            Path.Combine(baseDirectory, LibraryFileName),
            Path.Combine(baseDirectory, "runtimes", "linux-x64", "native", LibraryFileName),
        ];
        return [.. candidates.Where(File.Exists)];
    }

    /// <summary>
    /// Patches every copy found beside the program and logs what it did. Throws if there is none: without it,
    /// no torch call can work, and failing here says why.
    /// </summary>
    public static void Apply(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // Callers may run in parallel (test classes do): one patches, the others then find it already weak.
        lock (Gate)
        {
            ApplyLocked(logger);
        }
    }

    private static void ApplyLocked(ILogger logger)
    {
        var libraries = FindLibraries(AppContext.BaseDirectory);
        if (libraries.Count == 0)
        {
            throw new FileNotFoundException(
                $"{LibraryFileName} is not beside the program in {AppContext.BaseDirectory}; build the trainer for linux-x64 " +
                "(its project sets RuntimeIdentifier) so TorchSharp's native files are copied there.",
                LibraryFileName);
        }

        foreach (var library in libraries)
        {
            var result = ElfVersionPatcher.MarkWeak(library, MissingVersion);
            switch (result)
            {
                case ElfVersionPatchResult.Patched:
                    Log.Patched(logger, library, MissingVersion);
                    break;
                case ElfVersionPatchResult.AlreadyWeak:
                    Log.AlreadyPatched(logger, library, MissingVersion);
                    break;
                default:
                    Log.NotNeeded(logger, library, MissingVersion);
                    break;
            }
        }
    }

    private static readonly Lock Gate = new();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information,
            "Marked the {Version} requirement of {Library} weak so it loads with this system's libstdc++ (the only symbol of that version, std::ios_base_library_init, is never called)")]
        public static partial void Patched(ILogger logger, string library, string version);

        [LoggerMessage(2, LogLevel.Information, "{Library}: its {Version} requirement is already weak")]
        public static partial void AlreadyPatched(ILogger logger, string library, string version);

        [LoggerMessage(3, LogLevel.Information, "{Library} does not require {Version}; left as shipped")]
        public static partial void NotNeeded(ILogger logger, string library, string version);
    }
}
