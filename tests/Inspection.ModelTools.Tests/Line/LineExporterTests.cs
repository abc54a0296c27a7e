using System.Text.Json;
using Inspection.ModelTools.Line;
using OpenCvSharp;

namespace Inspection.ModelTools.Tests.Line;

public sealed class LineExporterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("line-export-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Export_Frames_WritesReadableVideoAndOneLabelLinePerFrame()
    {
        using var line = new SyntheticLine(7, 320, 240);

        var result = LineExporter.Export(line, _dir, 30, 15, images: false, TestContext.Current.CancellationToken);

        Assert.True(result.VideoWritten, "this OpenCV build could not write Motion-JPEG");
        using (var capture = new VideoCapture(Path.Combine(_dir, LineExporter.VideoFileName)))
        {
            Assert.True(capture.IsOpened());
            var read = 0;
            using var frame = new Mat();
            while (capture.Read(frame) && !frame.Empty())
            {
                Assert.Equal(new Size(320, 240), frame.Size());
                read++;
            }

            Assert.Equal(30, read);
        }

        var labels = File.ReadAllLines(Path.Combine(_dir, LineExporter.LabelsFileName));
        Assert.Equal(30, labels.Length);
        for (var i = 0; i < labels.Length; i++)
        {
            using var json = JsonDocument.Parse(labels[i]);
            Assert.Equal(i, json.RootElement.GetProperty("frame").GetInt32());
            Assert.Equal(JsonValueKind.Array, json.RootElement.GetProperty("boxes").ValueKind);
        }

        Assert.False(Directory.Exists(Path.Combine(_dir, LineExporter.FramesFolderName)));
    }

    [Fact]
    public void Export_WithImages_WritesOneJpegPerFrame()
    {
        using var line = new SyntheticLine(7, 320, 240);

        var result = LineExporter.Export(line, _dir, 5, 15, images: true, TestContext.Current.CancellationToken);

        Assert.True(result.ImagesWritten);
        Assert.Equal(
            ["000000.jpg", "000001.jpg", "000002.jpg", "000003.jpg", "000004.jpg"],
            Directory.GetFiles(Path.Combine(_dir, LineExporter.FramesFolderName)).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Export_LabelsMatchRenderedTruth()
    {
        using var line = new SyntheticLine(7);

        LineExporter.Export(line, _dir, 400, 15, images: false, TestContext.Current.CancellationToken);

        var labels = File.ReadAllLines(Path.Combine(_dir, LineExporter.LabelsFileName));
        using var rendered = line.Render(350);
        using var json = JsonDocument.Parse(labels[350]);
        var boxes = json.RootElement.GetProperty("boxes").EnumerateArray().ToList();
        Assert.Equal(rendered.Truth.Count, boxes.Count);
        for (var i = 0; i < boxes.Count; i++)
        {
            Assert.Equal(rendered.Truth[i].ClassName, boxes[i].GetProperty("class").GetString());
            Assert.Equal(rendered.Truth[i].Box.X1, boxes[i].GetProperty("x1").GetSingle(), 0.1f);
        }
    }

    [Theory]
    [InlineData(0, 15)]
    [InlineData(10, 0)]
    [InlineData(10, double.NaN)]
    public void Export_BadArguments_ThrowsAndWritesNothing(int frames, double fps)
    {
        using var line = new SyntheticLine(7, 320, 240);
        var target = Path.Combine(_dir, "out");

        Assert.ThrowsAny<ArgumentException>(() => LineExporter.Export(line, target, frames, fps, images: false, TestContext.Current.CancellationToken));

        Assert.False(Directory.Exists(target));
    }
}
