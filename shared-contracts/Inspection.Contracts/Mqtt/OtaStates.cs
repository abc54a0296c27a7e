namespace Inspection.Contracts.Mqtt;

/// <summary>
/// The states of a device's model update, as reported in <see cref="OtaProgress.State"/> and
/// <see cref="ReportedState.Ota"/> (modelled on AWS IoT Jobs). The last three end a transaction.
/// </summary>
public static class OtaStates
{
    public const string Queued = "queued";
    public const string Downloading = "downloading";
    public const string Verifying = "verifying";
    public const string Loading = "loading";
    public const string Validating = "validating";
    public const string Shadowing = "shadowing";
    public const string Swapped = "swapped";
    public const string Committed = "committed";
    public const string RolledBack = "rolled-back";
    public const string Failed = "failed";

    public static IReadOnlyList<string> All { get; } =
        [Queued, Downloading, Verifying, Loading, Validating, Shadowing, Swapped, Committed, RolledBack, Failed];

    /// <summary>True for a state that ends the transaction.</summary>
    public static bool IsFinal(string state) => state is Committed or RolledBack or Failed;
}
