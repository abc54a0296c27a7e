using Inspection.EdgeAgent.Capture;
using Inspection.EdgeAgent.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Inspection.EdgeAgent.Tests.Capture;

public sealed class VideoCaptureFrameSourceTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task ReadAsync_VideoFile_ReturnsEveryFrameThenEnd()
    {
        var video = Frames.WriteVideo(_temp.File("line.avi"), count: 6);
        using var source = Open(video, loop: false);

        var frames = 0;
        while (true)
        {
            using var frame = await source.ReadAsync(TestContext.Current.CancellationToken);
            if (frame.Status == CaptureStatus.EndOfStream)
            {
                break;
            }

            Assert.Equal(CaptureStatus.Frame, frame.Status);
            Assert.Equal(64, frame.Image!.Width);
            Assert.Equal(48, frame.Image.Height);
            frames++;
        }

        Assert.Equal(6, frames);
    }

    [Fact]
    public async Task ReadAsync_LoopingVideoFile_StartsAgainInsteadOfEnding()
    {
        var video = Frames.WriteVideo(_temp.File("loop.avi"), count: 3);
        using var source = Open(video, loop: true);

        var means = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            using var frame = await source.ReadAsync(TestContext.Current.CancellationToken);
            Assert.Equal(CaptureStatus.Frame, frame.Status);
            means.Add(OpenCvSharp.Cv2.Mean(frame.Image!).Val0);
        }

        // Frame 4 is frame 1 again (the video's first frame is the darkest).
        Assert.Equal(means[0], means[3], 0);
        Assert.True(means[3] < means[2]);
    }

    [Fact]
    public async Task ReadAsync_FileThatIsNotAVideo_ThrowsClearError()
    {
        var path = _temp.File("garbage.avi");
        File.WriteAllText(path, "not a video");
        using var source = Open(path, loop: true);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await source.ReadAsync(TestContext.Current.CancellationToken));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public async Task ReadAsync_StreamUnreachable_ReportsEveryFailedAttemptAfterTheDelayAndTriesAgain()
    {
        var time = new FakeTimeProvider();
        var logs = new ListLoggerProvider();
        using var refused = LoopbackPort.Refused();
        var port = refused.Port;
        using var source = new VideoCaptureFrameSource(
            new CaptureSource(CaptureSourceKind.Rtsp, $"rtsp://127.0.0.1:{port}/line"), loop: false, TimeSpan.FromSeconds(5), time, logs.CreateLogger("capture"));
        using var stop = new CancellationTokenSource();

        var read = source.ReadAsync(stop.Token).AsTask();
        await Eventually.UntilAsync(() => FailedOpens(logs) == 1, "the first failed open");
        Assert.False(read.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(5));
        using var first = await read;

        Assert.Equal(CaptureStatus.Error, first.Status);
        Assert.Contains("reconnecting", first.Error, StringComparison.Ordinal);

        var again = source.ReadAsync(stop.Token).AsTask();
        await Eventually.UntilAsync(() => FailedOpens(logs) == 2, "the second failed open");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => again);
    }

    [Fact]
    public void Description_CameraSource_NamesTheCamera()
    {
        using var source = new VideoCaptureFrameSource(new CaptureSource(CaptureSourceKind.Camera, "3", 3), loop: false, TimeSpan.FromSeconds(1), new FakeTimeProvider(), NullLogger.Instance);

        Assert.Equal("camera:3", source.Description);
    }

    // Event 1101: "Cannot open {Source}; retrying in {DelaySeconds} s".
    private static int FailedOpens(ListLoggerProvider logs) =>
        logs.Entries.Count(e => e.EventId == 1101 && Equals(e.Values["DelaySeconds"], 5d));

    private static VideoCaptureFrameSource Open(string path, bool loop) =>
        new(new CaptureSource(CaptureSourceKind.File, path), loop, TimeSpan.FromSeconds(1), new FakeTimeProvider(), NullLogger.Instance);

    public void Dispose() => _temp.Dispose();
}
