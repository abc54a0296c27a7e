using System.Security.Cryptography;
using System.Text;
using Inspection.Contracts.Mqtt;
using Inspection.Detection.Packaging;

namespace Inspection.EdgeAgent.Tests.TestSupport;

/// <summary>A control key pair as the cloud holds one: signs desired states and reviewed verdicts; its public half is pinned in a folder.</summary>
internal sealed class ControlKey : IDisposable
{
    private ControlKey(ECDsa key, string trustFolder)
    {
        Key = key;
        TrustFolder = trustFolder;
    }

    public ECDsa Key { get; }

    /// <summary>A folder holding only this key's public half: a device's Control:TrustedKeysPath.</summary>
    public string TrustFolder { get; }

    public string KeyId => DesiredStateSignature.KeyIdOf(Key);

    public static ControlKey Create(string trustFolder)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Directory.CreateDirectory(trustFolder);
        File.WriteAllText(Path.Combine(trustFolder, $"control-{DesiredStateSignature.KeyIdOf(key)}.public.pem"), key.ExportSubjectPublicKeyInfoPem());
        return new ControlKey(key, trustFolder);
    }

    /// <summary>The pinned keys as the device loads them.</summary>
    public TrustedKeys Trust() => TrustedKeys.Load(TrustFolder, "device");

    public byte[] SignBytes(DesiredState state) => DesiredStateSignature.Sign(state, Key);

    public string Sign(DesiredState state) => Encoding.UTF8.GetString(SignBytes(state));

    public byte[] SignVerdict(ReviewVerdict verdict) => ReviewVerdictSignature.Sign(verdict, Key);

    public void Dispose() => Key.Dispose();
}
