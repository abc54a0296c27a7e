using Inspection.EdgeAgent.Capture;
using Inspection.EdgeAgent.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Inspection.EdgeAgent.Tests.Capture;

public sealed class ImageFolderFrameSourceTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task ReadAsync_FolderWithCorruptImage_ReturnsFramesInNameOrderAndTheCorruptOneAsError()
    {
        var folder = _temp.Folder("images");
        Frames.WriteImage(Path.Combine(folder, "001.png"), 10);
        File.WriteAllText(Path.Combine(folder, "002.jpg"), "this is not a JPEG");
        Frames.WriteImage(Path.Combine(folder, "003.jpg"), 200);
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "ignored");
        using var source = new ImageFolderFrameSource(folder, loop: false, TimeSpan.FromSeconds(1), new FakeTimeProvider(), NullLogger.Instance);

        var reads = new List<(CaptureStatus Status, string Origin, double Mean)>();
        while (true)
        {
            using var frame = await source.ReadAsync(TestContext.Current.CancellationToken);
            reads.Add((frame.Status, frame.Origin, frame.Image is null ? -1 : OpenCvSharp.Cv2.Mean(frame.Image).Val0));
            if (frame.Status == CaptureStatus.EndOfStream)
            {
                break;
            }
        }

        Assert.Equal([CaptureStatus.Frame, CaptureStatus.Error, CaptureStatus.Frame, CaptureStatus.EndOfStream], reads.Select(r => r.Status));
        Assert.Equal("001.png", reads[0].Origin);
        Assert.Equal("002.jpg", reads[1].Origin);
        Assert.Equal(10, reads[0].Mean, 0);
        Assert.Equal(200, reads[2].Mean, 1);
    }

    [Fact]
    public async Task ReadAsync_CorruptImage_ErrorSaysTheImageIsUnreadable()
    {
        var folder = _temp.Folder("bad");
        File.WriteAllBytes(Path.Combine(folder, "broken.jpg"), [0xFF, 0xD8, 0xFF, 0x00, 0x01]);
        using var source = new ImageFolderFrameSource(folder, loop: false, TimeSpan.FromSeconds(1), new FakeTimeProvider(), NullLogger.Instance);

        using var frame = await source.ReadAsync(TestContext.Current.CancellationToken);

        Assert.Equal(CaptureStatus.Error, frame.Status);
        Assert.Null(frame.Image);
        Assert.Contains("not a readable JPEG or PNG image", frame.Error);
    }

    [Fact]
    public async Task ReadAsync_LoopEnabled_StartsAgainAfterTheLastImage()
    {
        var folder = _temp.Folder("loop");
        Frames.WriteImage(Path.Combine(folder, "a.png"), 50);
        Frames.WriteImage(Path.Combine(folder, "b.png"), 60);
        using var source = new ImageFolderFrameSource(folder, loop: true, TimeSpan.FromSeconds(1), new FakeTimeProvider(), NullLogger.Instance);

        var origins = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            using var frame = await source.ReadAsync(TestContext.Current.CancellationToken);
            Assert.Equal(CaptureStatus.Frame, frame.Status);
            origins.Add(frame.Origin);
        }

        Assert.Equal(["a.png", "b.png", "a.png", "b.png", "a.png"], origins);
    }

    [Fact]
    public async Task ReadAsync_EmptyFolderWithoutLoop_EndsAtOnce()
    {
        using var source = new ImageFolderFrameSource(_temp.Folder("empty"), loop: false, TimeSpan.FromSeconds(1), new FakeTimeProvider(), NullLogger.Instance);

        using var frame = await source.ReadAsync(TestContext.Current.CancellationToken);

        Assert.Equal(CaptureStatus.EndOfStream, frame.Status);
    }

    public void Dispose() => _temp.Dispose();
}
