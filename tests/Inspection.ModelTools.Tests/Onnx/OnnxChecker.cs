using System.Diagnostics;

namespace Inspection.ModelTools.Tests.Onnx;

/// <summary>Runs the reference ONNX checker from Debian's python3-onnx over a model file.</summary>
internal static class OnnxChecker
{
    // Debian's interpreter, not whatever python is first on PATH: python3-onnx installs there.
    private const string Python = "/usr/bin/python3";

    /// <summary>Skips the calling test when the checker is not installed.</summary>
    public static void SkipUnlessAvailable()
    {
        var (exitCode, _) = Run("-c \"import onnx\"");
        if (exitCode != 0)
        {
            Assert.Skip($"{Python} cannot import onnx; install it with 'apt-get install -y python3-onnx' to run the ONNX checker tests.");
        }
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
