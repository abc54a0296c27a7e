namespace Inspection.EdgeAgent.Ota;

/// <summary>Compares semantic versions by major, minor and patch (a pre-release or build suffix is ignored).</summary>
public static class SemanticVersion
{
    /// <summary>True when <paramref name="version"/> is at least <paramref name="minimum"/>; false when either is not a version.</summary>
    public static bool AtLeast(string version, string minimum) =>
        TryParse(version, out var actual) && TryParse(minimum, out var required) && actual >= required;

    private static bool TryParse(string text, out Version version)
    {
        var core = text.Split('+', '-')[0];
        return Version.TryParse(core, out version!) && version.Build >= 0;
    }
}
