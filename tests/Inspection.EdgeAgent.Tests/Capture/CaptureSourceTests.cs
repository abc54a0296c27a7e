using Inspection.EdgeAgent.Capture;

namespace Inspection.EdgeAgent.Tests.Capture;

public sealed class CaptureSourceTests
{
    [Theory]
    [InlineData("camera:0", CaptureSourceKind.Camera, "0")]
    [InlineData("file:/data/line.mp4", CaptureSourceKind.File, "/data/line.mp4")]
    [InlineData("folder:/data/images", CaptureSourceKind.Folder, "/data/images")]
    [InlineData("gst:v4l2src ! videoconvert ! appsink", CaptureSourceKind.GStreamer, "v4l2src ! videoconvert ! appsink")]
    [InlineData("rtsp://10.0.0.5/stream1", CaptureSourceKind.Rtsp, "rtsp://10.0.0.5/stream1")]
    public void TryParse_KnownKinds_ReturnsKindAndTarget(string text, CaptureSourceKind kind, string target)
    {
        Assert.True(CaptureSource.TryParse(text, out var source, out _));
        Assert.Equal(kind, source.Kind);
        Assert.Equal(target, source.Target);
    }

    [Theory]
    [InlineData("", "start it with")]
    [InlineData("usb:1", "unknown source kind")]
    [InlineData("camera:front", "not a number")]
    [InlineData("file:", "nothing follows")]
    public void TryParse_BadSource_ExplainsWhy(string text, string expected)
    {
        Assert.False(CaptureSource.TryParse(text, out _, out var error));
        Assert.Contains(expected, error);
    }
}
