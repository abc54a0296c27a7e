using Inspection.EdgeAgent.Capture;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.EdgeAgent.Tests.Device;

/// <summary>
/// Runs on a Jetson with a camera attached (excluded from CI by the trait). INSPECTION_TEST_CAMERA selects the
/// source, e.g. <c>camera:0</c> or a <c>gst:nvarguscamerasrc …</c> pipeline; default <c>camera:0</c>.
/// </summary>
[Trait("Category", "Device")]
public sealed class CameraCaptureDeviceTests
{
    [Fact]
    public async Task ReadAsync_AttachedCamera_DeliversBgrFrames()
    {
        var configured = Environment.GetEnvironmentVariable("INSPECTION_TEST_CAMERA") ?? "camera:0";
        Assert.True(CaptureSource.TryParse(configured, out var source, out var error), error);
        using var capture = new VideoCaptureFrameSource(source, loop: false, TimeSpan.FromSeconds(1), TimeProvider.System, NullLogger.Instance);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));

        for (var i = 0; i < 10; i++)
        {
            using var frame = await capture.ReadAsync(timeout.Token);
            Assert.Equal(CaptureStatus.Frame, frame.Status);
            Assert.Equal(3, frame.Image!.Channels());
            Assert.True(frame.Image.Width > 0 && frame.Image.Height > 0);
        }
    }
}
