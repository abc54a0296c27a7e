using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using Microsoft.Extensions.Logging;

namespace Inspection.Trainer.Native;

/// <summary>
/// Keeps libtorch's oneDNN (v3.7.1 inside libtorch-cpu 2.10) on its AVX2 kernels. On AMD EPYC processors of the
/// Zen 5 generation its AVX-512 convolution kernels (<c>jit:avx512_core</c>, <c>brgconv</c>) turned the first
/// training steps' loss into NaN, also with <c>DNNL_MAX_CPU_ISA=AVX512_CORE</c>; with <c>AVX2</c> every run was
/// finite. On processors where AVX-512 works the two give the same losses (measured on a Zen 4 EPYC: identical to
/// four decimals over 30 steps, and the same step time within noise; see the trainer's README).
/// <para>
/// oneDNN reads the variable with the C library's <c>getenv</c> once, when it first dispatches a kernel, so it is
/// set with the C library's <c>setenv</c> (.NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/>
/// only changes the managed copy on Linux) before the first torch call. A value the user already set in the
/// environment, under either name oneDNN reads, is kept: <c>DNNL_MAX_CPU_ISA=ALL</c> lifts the limit.
/// </para>
/// </summary>
public static partial class OneDnnIsaLimit
{
    /// <summary>The variable this class sets; oneDNN also reads <see cref="NewVariable"/>, which takes precedence.</summary>
    public const string Variable = "DNNL_MAX_CPU_ISA";

    /// <summary>oneDNN 3's own name for the same setting.</summary>
    public const string NewVariable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>The instruction set oneDNN is limited to unless the user chose another.</summary>
    public const string Limit = "AVX2";

    private static readonly Lock Gate = new();
    private static bool _setHere;

    /// <summary>
    /// Sets <see cref="Variable"/> to <see cref="Limit"/> in the process environment that native code reads, unless
    /// either name is set already; logs which one is in force and returns it.
    /// </summary>
    public static OneDnnIsaSetting Apply(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        lock (Gate)
        {
            if (InForce() is { } existing)
            {
                // Set by an earlier call in this process (said then), or by the user (said now).
                if (!existing.SetHere)
                {
                    Log.Kept(logger, existing.Variable, existing.Value);
                }

                return existing;
            }

            if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            {
                // libtorch-cpu is only shipped for linux-x64 here; elsewhere there is nothing to limit through libc.
                return new OneDnnIsaSetting(Variable, string.Empty, SetHere: false);
            }

            if (SetEnv(Variable, Limit, 1) != 0)
            {
                throw new InvalidOperationException($"setenv({Variable}) failed with errno {Marshal.GetLastPInvokeError()}.");
            }

            _setHere = true;
            var applied = InForce() ?? throw new InvalidOperationException($"{Variable} was set with setenv but getenv does not return it.");
            if (Avx512F.IsSupported)
            {
                Log.LimitedOnAvx512(logger, Variable, Limit);
            }
            else
            {
                Log.LimitedNoAvx512(logger, Variable, Limit);
            }

            return applied;
        }
    }

    /// <summary>
    /// The setting native code sees now (read with the C library's <c>getenv</c>), or null when neither name is
    /// set: oneDNN then uses every instruction set the processor has.
    /// </summary>
    public static OneDnnIsaSetting? InForce()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return null;
        }

        // oneDNN 3 prefers its new name when both are set.
        foreach (var name in (string[])[NewVariable, Variable])
        {
            if (GetEnv(name) is { Length: > 0 } value)
            {
                return new OneDnnIsaSetting(name, value, SetHere: _setHere && name == Variable && value == Limit);
            }
        }

        return null;
    }

    /// <summary>Describes the setting in force for a message: "DNNL_MAX_CPU_ISA=AVX2" or "no limit (…)".</summary>
    public static string Describe() =>
        InForce() is { } setting
            ? $"{setting.Variable}={setting.Value}"
            : $"no limit: oneDNN uses every instruction set of this processor (AVX-512: {(Avx512F.IsSupported ? "yes" : "no")})";

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetEnvPointer(string name);

    private static string? GetEnv(string name) => Marshal.PtrToStringUTF8(GetEnvPointer(name));

    private static partial class Log
    {
        [LoggerMessage(10, LogLevel.Information,
            "Limited libtorch's oneDNN to {Isa} ({Variable}={Isa}): its AVX-512 convolution kernels gave NaN losses on some AVX-512 processors (AMD EPYC Zen 5). Set {Variable}=ALL to lift the limit")]
        public static partial void LimitedOnAvx512(ILogger logger, string variable, string isa);

        [LoggerMessage(11, LogLevel.Information, "Limited libtorch's oneDNN to {Isa} ({Variable}={Isa}); this processor has no AVX-512, so nothing changes")]
        public static partial void LimitedNoAvx512(ILogger logger, string variable, string isa);

        [LoggerMessage(12, LogLevel.Information, "{Variable}={Value} is set in the environment: kept, oneDNN's instruction set is not limited by the trainer")]
        public static partial void Kept(ILogger logger, string variable, string value);
    }
}
