namespace Inspection.Contracts.Mqtt;

/// <summary>Wire names of <see cref="DegradationMode"/> (kebab-case, as operators type them).</summary>
public static class DegradationModes
{
    public const string Normal = "normal";
    public const string Reduced = "reduced";
    public const string LocalOnly = "local-only";
    public const string Safe = "safe";
    public const string Paused = "paused";

    /// <summary>Every wire name, in order of severity.</summary>
    public static IReadOnlyList<string> All { get; } = [Normal, Reduced, LocalOnly, Safe, Paused];

    public static string ToWire(this DegradationMode mode) => mode switch
    {
        DegradationMode.Normal => Normal,
        DegradationMode.Reduced => Reduced,
        DegradationMode.LocalOnly => LocalOnly,
        DegradationMode.Safe => Safe,
        DegradationMode.Paused => Paused,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown degradation mode."),
    };

    public static bool TryParse(string? wire, out DegradationMode mode)
    {
        switch (wire)
        {
            case Normal:
                mode = DegradationMode.Normal;
                return true;
            case Reduced:
                mode = DegradationMode.Reduced;
                return true;
            case LocalOnly:
                mode = DegradationMode.LocalOnly;
                return true;
            case Safe:
                mode = DegradationMode.Safe;
                return true;
            case Paused:
                mode = DegradationMode.Paused;
                return true;
            default:
                mode = DegradationMode.Normal;
                return false;
        }
    }

    /// <summary>The more severe of two modes.</summary>
    public static DegradationMode MoreSevere(DegradationMode a, DegradationMode b) => (DegradationMode)Math.Max((int)a, (int)b);
}
