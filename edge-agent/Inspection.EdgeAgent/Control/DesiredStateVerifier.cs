using System.Diagnostics.CodeAnalysis;
using Inspection.Contracts.Mqtt;
using Inspection.Detection.Packaging;

namespace Inspection.EdgeAgent.Control;

/// <summary>
/// Decides whether a payload on the device's desired topic came from the cloud and is new: signed by a control key
/// the device pins (<see cref="ControlOptions.TrustedKeysPath"/>), addressed to this device, and not a replay (a
/// version below the applied one, or the applied version with other content). Only the cloud commands the device:
/// whoever else can publish on the topic can at most get a refusal reported.
/// </summary>
public sealed class DesiredStateVerifier : IDisposable
{
    private readonly TrustedKeys _keys;
    private readonly DeviceState _state;
    private readonly string _deviceId;
    private readonly string _trusted;
    private long _accepted;
    private long _redelivered;
    private long _rejected;

    public DesiredStateVerifier(TrustedKeys keys, DeviceState state, string deviceId)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _keys = keys;
        _state = state;
        _deviceId = deviceId;
        _trusted = keys.Describe();
    }

    /// <summary>Payloads accepted since start.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Redeliveries of the applied state ignored since start.</summary>
    public long Redelivered => Interlocked.Read(ref _redelivered);

    /// <summary>Payloads refused since start.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>The ids of the pinned control keys, for the start log.</summary>
    public string TrustedKeyIds => _trusted;

    /// <summary>
    /// Loads the pinned keys from <paramref name="folder"/>. Throws <see cref="InvalidOperationException"/> with what
    /// to do when the folder is missing, unreadable or holds no key: a device that trusts no key could never be
    /// commanded, so it does not start that way.
    /// </summary>
    public static TrustedKeys LoadKeys(string folder)
    {
        TrustedKeys keys;
        try
        {
            keys = TrustedKeys.Load(folder, "device");
        }
        catch (Exception ex) when (ex is DirectoryNotFoundException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"Control:TrustedKeysPath '{folder}' is not usable ({ex.Message}): copy the cloud's control public key (control.public.pem, named in the cloud's log at its first start) into that folder.",
                ex);
        }

        if (keys.KeyIds.Count == 0)
        {
            keys.Dispose();
            throw new InvalidOperationException(
                $"Control:TrustedKeysPath '{folder}' holds no *.pem public key, so the device could take no command: copy the cloud's control public key (control.public.pem, named in the cloud's log at its first start) into it.");
        }

        return keys;
    }

    /// <summary>
    /// Checks a payload received on the desired topic. <paramref name="state"/> is the state to apply when the result
    /// is <see cref="DesiredStateCheck.Accepted"/>; <paramref name="error"/> says why when it is
    /// <see cref="DesiredStateCheck.Rejected"/>. Never throws.
    /// </summary>
    public DesiredStateCheck Check(ReadOnlySpan<byte> payload, out DesiredState? state, out string error)
    {
        var result = Classify(payload, out state, out error);
        if (result == DesiredStateCheck.Accepted)
        {
            Interlocked.Increment(ref _accepted);
        }
        else
        {
            Interlocked.Increment(ref result == DesiredStateCheck.Redelivered ? ref _redelivered : ref _rejected);
            state = null;
        }

        return result;
    }

    public void Dispose() => _keys.Dispose();

    private DesiredStateCheck Classify(ReadOnlySpan<byte> payload, out DesiredState? state, out string error)
    {
        if (!DesiredStateSignature.TryOpen(payload, TrustedKey, _trusted, out state, out error))
        {
            return DesiredStateCheck.Rejected;
        }

        if (state.DeviceId != _deviceId)
        {
            error = state.DeviceId is null
                ? $"the signed state (version {state.Version}) names no device; this is {_deviceId}"
                : $"the signed state (version {state.Version}) is for device '{state.DeviceId}', not for this one ({_deviceId})";
            return DesiredStateCheck.Rejected;
        }

        var applied = _state.AppliedDesired;
        var appliedVersion = applied?.Version ?? 0;
        if (state.Version < appliedVersion)
        {
            error = $"replayed: version {state.Version} is below the applied version {appliedVersion}";
            return DesiredStateCheck.Rejected;
        }

        if (state.Version == appliedVersion)
        {
            // The device id is compared above; states applied before signing carried none.
            // A state applied before the issue time was stored carries too little to compare: the version decides.
            if (applied!.IssuedAt is null || applied with { DeviceId = null } == state with { DeviceId = null })
            {
                return DesiredStateCheck.Redelivered;
            }

            error = $"replayed: version {state.Version} is already applied with other content";
            return DesiredStateCheck.Rejected;
        }

        return DesiredStateCheck.Accepted;
    }

    /// <summary>
    /// The pinned control key with id <paramref name="keyId"/>, or null when the device does not pin it: the same keys
    /// decide every signed message from the cloud (desired states, reviewed verdicts).
    /// </summary>
    public System.Security.Cryptography.ECDsa? TrustedKey(string keyId) => _keys.TryGet(keyId, out var key) ? key : null;
}
