namespace Inspection.Detection;

/// <summary>Turns the configured provider names into the order the detector tries them in.</summary>
internal static class ExecutionProviderChain
{
    public const string TensorRT = "TensorRT";
    public const string Cuda = "CUDA";
    public const string Cpu = "CPU";

    private static readonly string[] Known = [TensorRT, Cuda, Cpu];

    /// <summary>The chain used when none is configured: fastest first, CPU last.</summary>
    public static IReadOnlyList<string> Default => Known;

    /// <summary>The error for the configured names, or null when every name is known.</summary>
    public static string? Validate(IEnumerable<string?>? names)
    {
        foreach (var name in names ?? [])
        {
            if (Canonical(name) is null)
            {
                return $"Detector:ExecutionProviders contains \"{name}\", which is not an execution provider this system knows; use any of TensorRT, CUDA, CPU (in the order to try them).";
            }
        }

        return null;
    }

    /// <summary>
    /// Canonical names in the configured order, duplicates removed, CPU appended when missing because it
    /// always works. Unknown names throw <see cref="ArgumentException"/>.
    /// </summary>
    public static IReadOnlyList<string> Resolve(IEnumerable<string?>? names)
    {
        if (Validate(names) is { } error)
        {
            throw new ArgumentException(error, nameof(names));
        }

        var configured = names?.ToList() ?? [];
        if (configured.Count == 0)
        {
            return Default;
        }

        var chain = new List<string>(Known.Length);
        foreach (var name in configured)
        {
            var canonical = Canonical(name)!;
            if (!chain.Contains(canonical))
            {
                chain.Add(canonical);
            }
        }

        if (!chain.Contains(Cpu))
        {
            chain.Add(Cpu);
        }

        return chain;
    }

    private static string? Canonical(string? name)
    {
        var trimmed = name?.Trim();
        foreach (var known in Known)
        {
            if (string.Equals(known, trimmed, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        return null;
    }
}
