using Microsoft.Extensions.Logging;

namespace Inspection.Trainer.Native;

/// <summary>
/// Everything the native side needs before the first torch call, in one place: the libstdc++ patch that lets
/// TorchSharp's bridge load on Debian 12, and the oneDNN instruction-set limit that keeps training finite on
/// every x64 processor. Every entry point that touches torch (train, export, patch-check, tests) calls this first.
/// </summary>
public static class TorchNatives
{
    /// <summary>Applies both; idempotent and safe to call from parallel callers.</summary>
    public static OneDnnIsaSetting Prepare(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var isa = OneDnnIsaLimit.Apply(logger);
        LibTorchSharpPatch.Apply(logger);
        return isa;
    }
}
