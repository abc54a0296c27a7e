using System.Diagnostics;

namespace Inspection.ModelTools.Tests.Onnx;

/// <summary>Runs the reference ONNX checker from Debian's python3-onnx over a model file.</summary>
internal static class OnnxChecker
{
    // Debian's interpreter, not whatever python is first on PATH: python3-onnx installs there.
    private const string Python = "/usr/bin/python3";

    /// <summary>
    /// Fails the calling test, with the fix, when the checker is not installed: ./test.sh installs it, and a
    /// skipped check would let an invalid model file pass unnoticed.
    /// </summary>
    public static void RequireAvailable()
    {
        var (exitCode, _) = Run("-c \"import onnx\"");
        Assert.True(exitCode == 0, $"{Python} cannot import onnx; run ./test.sh (it installs python3-onnx) or 'apt-get install -y python3-onnx'.");
    }

    /// <summary>Returns the checker's exit code and output for a full check (including shape inference).</summary>
    public static (int ExitCode, string Output) Check(string modelPath) =>
        Run($"-c \"import sys, onnx; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True); print('ok')\" \"{modelPath}\"");

    private static (int ExitCode, string Output) Run(string arguments)
    {
        if (!File.Exists(Python))
        {
            return (-1, $"{Python} not found");
        }

        using var process = Process.Start(new ProcessStartInfo(Python, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
