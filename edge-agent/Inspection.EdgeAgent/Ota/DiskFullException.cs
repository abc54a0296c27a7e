namespace Inspection.EdgeAgent.Ota;

/// <summary>A package could not be staged because the disk is full (or the staging folder cannot be written).</summary>
public sealed class DiskFullException : IOException
{
    public DiskFullException()
    {
    }

    public DiskFullException(string message)
        : base(message)
    {
    }

    public DiskFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
