namespace Inspection.EdgeAgent.Ota;

/// <summary>A loaded model that must not become the committed one: golden set, shadow or health window said no.</summary>
public sealed class UpdateRefusedException : Exception
{
    public UpdateRefusedException()
    {
    }

    public UpdateRefusedException(string message)
        : base(message)
    {
    }

    public UpdateRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public UpdateRefusedException(string message, bool rolledBack)
        : base(message)
    {
        RolledBack = rolledBack;
    }

    /// <summary>True when the new model had already taken over and the previous one took over again.</summary>
    public bool RolledBack { get; }
}
