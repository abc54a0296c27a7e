using Inspection.EdgeAgent.Capture;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.SelfTest;

/// <summary>
/// The configured source (<c>Capture:Source</c>) opens and delivers a frame within <see cref="SelfTestOptions.TimeoutSeconds"/>.
/// Needs OpenCV's native library; when it cannot load, the check fails naming it.
/// </summary>
public sealed class SourceCheck(FrameSourceFactory sources, IOptions<SelfTestOptions> options) : ISelfTestCheck
{
    /// <summary>The native half of OpenCvSharp, which every camera, stream and image read goes through.</summary>
    public const string NativeLibrary = "libOpenCvSharpExtern.so";

    public string Name => "source";

    public async Task<SelfTestResult> RunAsync(CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(options.Value.TimeoutSeconds);
        string description = "the source";
        try
        {
            using var source = sources.Create();
            description = source.Description;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            using var frame = await source.ReadAsync(deadline.Token).ConfigureAwait(false);
            return frame.Status switch
            {
                CaptureStatus.Frame => SelfTestResult.Pass($"{description} delivered a {frame.Image!.Width}x{frame.Image.Height} frame"),
                CaptureStatus.Error => SelfTestResult.Fail($"{description} opened but its first read failed: {frame.Error}"),
                _ => SelfTestResult.Fail($"{description} ended before delivering a frame (Capture:Source)"),
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return SelfTestResult.Fail($"{description} delivered no frame within {timeout.TotalSeconds:F0} s (Capture:Source, SelfTest:TimeoutSeconds)");
        }
        catch (Exception ex) when (MissingLibrary(ex) is { } missing)
        {
            return SelfTestResult.Fail(
                $"OpenCV's native library {NativeLibrary} cannot be loaded, so no camera, stream or image can be read: {FirstSentence(missing.Message)}");
        }
        catch (InvalidOperationException ex)
        {
            return SelfTestResult.Fail(ex.Message);
        }
    }

    // The loader's message goes on with advice on strace and every path it tried: the first sentence names the library.
    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message.Trim() : message[..(end + 1)];
    }

    // OpenCvSharp reports a missing native library as a type initializer failure wrapping the DllNotFoundException.
    private static DllNotFoundException? MissingLibrary(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is DllNotFoundException missing)
            {
                return missing;
            }
        }

        return null;
    }
}
