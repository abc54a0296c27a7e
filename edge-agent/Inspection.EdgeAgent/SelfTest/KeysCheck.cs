using Inspection.Detection.Packaging;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Ota;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.SelfTest;

/// <summary>
/// The pinned public keys are present: the publishers' (<c>Ota:TrustedKeysPath</c>, without which no model update is
/// accepted) and the cloud's control key (<c>Control:TrustedKeysPath</c>, without which the agent refuses to start).
/// Fails when either folder is missing, holds no key, or holds anything but P-256 public keys.
/// </summary>
public sealed class KeysCheck(IOptions<OtaOptions> ota, IOptions<ControlOptions> control, IHostEnvironment environment) : ISelfTestCheck
{
    public string Name => "keys";

    public Task<SelfTestResult> RunAsync(CancellationToken cancellationToken)
    {
        var publishers = Count("Ota:TrustedKeysPath", ota.Value.TrustedKeysPath, "publisher");
        var controls = Count("Control:TrustedKeysPath", control.Value.TrustedKeysPath, "control");
        var detail = $"{publishers.Detail}; {controls.Detail}";
        return Task.FromResult(publishers.Ok && controls.Ok ? SelfTestResult.Pass(detail) : SelfTestResult.Fail(detail));
    }

    private (bool Ok, string Detail) Count(string key, string configured, string kind)
    {
        var folder = Path.GetFullPath(configured, environment.ContentRootPath);
        try
        {
            using var keys = TrustedKeys.Load(folder, "device");
            var count = keys.KeyIds.Count;
            return count == 0
                ? (false, $"{key} {folder} holds no {kind} key (*.pem)")
                : (true, $"{key} {folder}: {count} {kind} key{(count == 1 ? string.Empty : "s")} ({string.Join(", ", keys.KeyIds)})");
        }
        catch (Exception ex) when (ex is DirectoryNotFoundException or InvalidDataException or IOException or UnauthorizedAccessException
            or System.Security.Cryptography.CryptographicException or PlatformNotSupportedException)
        {
            return (false, $"{key} {folder} is not usable: {ex.Message}");
        }
    }
}
