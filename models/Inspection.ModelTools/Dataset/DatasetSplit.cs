namespace Inspection.ModelTools.Dataset;

/// <summary>The three splits of an exported dataset; the lower-case name is the folder name under <c>images/</c> and <c>labels/</c>.</summary>
public enum DatasetSplit
{
    /// <summary>Frames the model learns from (<c>train</c>).</summary>
    Train = 0,

    /// <summary>Frames watched during training to pick the best epoch (<c>val</c>).</summary>
    Val = 1,

    /// <summary>Frames held back for the final, reported accuracy (<c>test</c>).</summary>
    Test = 2,
}
