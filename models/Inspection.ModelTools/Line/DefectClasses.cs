namespace Inspection.ModelTools.Line;

/// <summary>
/// The defect classes of the synthetic line and of the models built from it, by class id. Ids are the
/// models' output channels, so a class is only ever appended, never renumbered.
/// </summary>
public static class DefectClasses
{
    /// <summary>A thin, straight dark line across the plate (tool drag).</summary>
    public const int Scratch = 0;

    /// <summary>A small dark round blob on the plate (inclusion, stain).</summary>
    public const int Spot = 1;

    /// <summary>A thin dark line that zig-zags and may branch (fatigue or quench crack).</summary>
    public const int Crack = 2;

    /// <summary>A shallow round depression: shaded on the side away from the lamp, bright on the side facing it.</summary>
    public const int Dent = 3;

    /// <summary>Class names by id, as written into the models' <c>names</c> metadata.</summary>
    public static IReadOnlyList<string> Names { get; } = ["scratch", "spot", "crack", "dent"];

    /// <summary>The Ultralytics <c>names</c> metadata value: a Python dict literal such as <c>{0: 'scratch', 1: 'spot'}</c>.</summary>
    public static string NamesMetadata =>
        "{" + string.Join(", ", Names.Select((name, id) => $"{id}: '{name}'")) + "}";
}
