namespace Inspection.Trainer.Training;

/// <summary>The <c>--init-weights</c> file cannot start this run: missing, or weights of another network.</summary>
public sealed class StartWeightsException : Exception
{
    public StartWeightsException()
    {
    }

    public StartWeightsException(string message)
        : base(message)
    {
    }

    public StartWeightsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
