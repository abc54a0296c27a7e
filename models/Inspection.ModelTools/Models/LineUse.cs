namespace Inspection.ModelTools.Models;

/// <summary>What a synthetic line seed was used for in building the shipped models (see <see cref="SeedUse"/>).</summary>
public enum LineUse
{
    /// <summary>Used for nothing the shipped models depend on.</summary>
    None = 0,

    /// <summary>One of the lines the shipped models were trained (and their int8 ranges calibrated) on.</summary>
    Training = 1,

    /// <summary>One of the lines the trainer checked the shipped models on while training.</summary>
    Validation = 2,

    /// <summary>
    /// A test split the model card reports, on which a shipped setting was also chosen (the band on dataset seed 1,
    /// the NMS overlap on dataset seed 2): not trained on, but not unseen either.
    /// </summary>
    Test = 3,

    /// <summary>The test line of a dataset seed reserved for unseen-seed evaluation and used for nothing else.</summary>
    Reserved = 4,
}
