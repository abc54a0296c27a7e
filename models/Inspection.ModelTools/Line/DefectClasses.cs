namespace Inspection.ModelTools.Line;

/// <summary>
/// The defect classes of the synthetic line and of the models built from it, by class id. Ids are the
/// models' output channels, so a class is only ever appended, never renumbered.
/// </summary>
public static class DefectClasses
{
    /// <summary>A thin dark line across the plate.</summary>
    public const int Scratch = 0;

    /// <summary>A small dark round blob on the plate.</summary>
    public const int Spot = 1;

    /// <summary>Class names by id, as written into the models' <c>names</c> metadata.</summary>
    public static IReadOnlyList<string> Names { get; } = ["scratch", "spot"];

    /// <summary>The Ultralytics <c>names</c> metadata value: a Python dict literal such as <c>{0: 'scratch', 1: 'spot'}</c>.</summary>
    public static string NamesMetadata =>
        "{" + string.Join(", ", Names.Select((name, id) => $"{id}: '{name}'")) + "}";
}
