namespace Inspection.Contracts.Api;

/// <summary>The states of <see cref="VerdictDelivery.State"/>, first match wins in this order.</summary>
public static class VerdictDeliveryStates
{
    /// <summary>Every verdict issued to the device is confirmed.</summary>
    public const string UpToDate = "up to date";

    /// <summary>
    /// Verdicts are sent and the device reports no watermark (<c>stats.reviews.confirmedThrough</c>): an agent that
    /// predates it, which can never confirm. The broker's acknowledgement is as far as the cloud can see.
    /// </summary>
    public const string DeviceDoesNotConfirm = "device does not confirm";

    /// <summary>The device is offline (or never seen) with verdicts not confirmed: they go out when it is back.</summary>
    public const string WaitingForDevice = "waiting for the device";

    /// <summary>The device is online and verdicts are on their way or not confirmed yet.</summary>
    public const string Delivering = "delivering";

    public static IReadOnlyList<string> All { get; } = [UpToDate, DeviceDoesNotConfirm, WaitingForDevice, Delivering];
}
