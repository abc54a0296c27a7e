namespace Inspection.Detection.Packaging;

/// <summary>A model package that must not be used, with the reason in words a person can act on.</summary>
public sealed class PackageRejectedException : Exception
{
    public PackageRejectedException()
    {
    }

    public PackageRejectedException(string message)
        : base(message)
    {
    }

    public PackageRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
