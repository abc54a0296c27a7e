namespace Inspection.Detection;

/// <summary>
/// The model file does not follow the detection contract (one float input <c>[1, 3, H, W]</c>, one output
/// in a supported Ultralytics layout, class count matching the <c>names</c> metadata). The message names
/// the file, what was found and what was expected, so a line engineer can tell which export is wrong.
/// </summary>
public sealed class ModelContractException : Exception
{
    public ModelContractException(string modelPath, string problem)
        : this(modelPath, problem, null)
    {
    }

    public ModelContractException(string modelPath, string problem, Exception? innerException)
        : base($"Model '{modelPath}' does not follow the detection contract: {problem}", innerException)
    {
        ModelPath = modelPath;
        Problem = problem;
    }

    /// <summary>The model file that was rejected.</summary>
    public string ModelPath { get; }

    /// <summary>What is wrong with it, without the file name.</summary>
    public string Problem { get; }
}
