using Inspection.ModelTools.Line;
using Inspection.ModelTools.Models;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Inspection.Detection.Tests;

/// <summary>The batch path on the shipped models: one Run over [N, 3, H, W] must give what N single runs give.</summary>
public sealed class OnnxDetectorBatchTests
{
    private const int LineSeed = 7;

    [Fact]
    public void DetectBatch_CloudModelOnLineFrames_EqualsSingleRunsWithinOneThousandthOfAPixel()
    {
        using var detector = Load(ShippedModels.Cloud, maxBatchSize: 4);
        var frames = DefectFrames(9);
        try
        {
            var singles = frames.Select(f => detector.Detect(f)).ToList();

            // 9 frames at up to 4 per inference: batches of 4, 4 and 1.
            var batched = detector.DetectBatch(frames);

            Assert.Equal(4, detector.MaxBatchSize);
            Assert.Equal(frames.Count, batched.Count);
            Assert.Contains(singles, s => s.Count > 0);
            for (var i = 0; i < frames.Count; i++)
            {
                AssertSame(singles[i], batched[i], $"frame {i}");
            }
        }
        finally
        {
            frames.ForEach(f => f.Dispose());
        }
    }

    [Fact]
    public void DetectBatch_FramesOfDifferentSizes_EachMappedToItsOwnFrame()
    {
        using var detector = Load(ShippedModels.Cloud, maxBatchSize: 2);
        using var line = new SyntheticLine(LineSeed, 640, 480);
        using var rendered = line.Render(FirstDefectFrame(line));
        var large = rendered.Frame;
        using var small = new Mat();
        Cv2.Resize(large, small, new Size(320, 240));

        var expected = new[] { detector.Detect(large), detector.Detect(small) };
        var batched = detector.DetectBatch([large, small]);

        AssertSame(expected[0], batched[0], "640x480 frame");
        AssertSame(expected[1], batched[1], "320x240 frame");
    }

    [Fact]
    public void DetectBatch_FixedBatchModel_RunsFrameByFrameAndSaysSoOnce()
    {
        var logger = new CapturingLogger();
        using var detector = OnnxDetector.Load(Options(ShippedModels.Edge, maxBatchSize: 8), logger);
        var frames = DefectFrames(3);
        try
        {
            var singles = frames.Select(f => detector.Detect(f)).ToList();
            var batched = detector.DetectBatch(frames);

            Assert.Equal(1, detector.MaxBatchSize);
            for (var i = 0; i < frames.Count; i++)
            {
                AssertSame(singles[i], batched[i], $"frame {i}");
            }

            Assert.Single(logger.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("fixed batch of 1", StringComparison.Ordinal));
        }
        finally
        {
            frames.ForEach(f => f.Dispose());
        }
    }

    [Fact]
    public void DetectBatch_EmptyFrameInBatch_ThrowsNamingItsIndex()
    {
        using var detector = Load(ShippedModels.Cloud, maxBatchSize: 4);
        using var line = new SyntheticLine(LineSeed, 640, 480);
        using var rendered = line.Render(FirstDefectFrame(line));
        var good = rendered.Frame;
        using var empty = new Mat();

        var error = Assert.Throws<ArgumentException>(() => detector.DetectBatch([good, empty]));

        Assert.Equal("frames[1]", error.ParamName);
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_CloudModelWithBatchEight_ProfileFromOneToEightFrames()
    {
        var options = TensorRtProfile.Options(ModelPath(ShippedModels.Cloud), 8);

        Assert.Equal("images:1x3x640x640", options["trt_profile_min_shapes"]);
        Assert.Equal("images:8x3x640x640", options["trt_profile_opt_shapes"]);
        Assert.Equal("images:8x3x640x640", options["trt_profile_max_shapes"]);
    }

    [Fact]
    public void Options_FixedBatchModel_NoProfile()
    {
        Assert.Empty(TensorRtProfile.Options(ModelPath(ShippedModels.Edge), 8));
        Assert.Empty(TensorRtProfile.Options(ModelPath(ShippedModels.Cloud), 1));
    }

    private static void AssertSame(IReadOnlyList<Detection> expected, IReadOnlyList<Detection> actual, string what)
    {
        Assert.True(expected.Count == actual.Count, $"{what}: {actual.Count} detections batched, {expected.Count} alone");
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].ClassId, actual[i].ClassId);
            Assert.Equal(expected[i].Confidence, actual[i].Confidence, 1e-4f);
            Assert.Equal(expected[i].Box.X1, actual[i].Box.X1, 1e-3f);
            Assert.Equal(expected[i].Box.Y1, actual[i].Box.Y1, 1e-3f);
            Assert.Equal(expected[i].Box.X2, actual[i].Box.X2, 1e-3f);
            Assert.Equal(expected[i].Box.Y2, actual[i].Box.Y2, 1e-3f);
        }
    }

    // Frames with a defect in view, so the comparison covers boxes and not only empty results.
    private static List<Mat> DefectFrames(int count)
    {
        using var line = new SyntheticLine(LineSeed, 640, 480);
        var frames = new List<Mat>(count);
        for (var index = 0L; frames.Count < count; index += 5)
        {
            var rendered = line.Render(index);
            if (rendered.Truth.Count > 0)
            {
                frames.Add(rendered.Frame);
            }
            else
            {
                rendered.Dispose();
            }
        }

        return frames;
    }

    private static long FirstDefectFrame(SyntheticLine line)
    {
        for (var index = 0L; ; index += 5)
        {
            using var rendered = line.Render(index);
            if (rendered.Truth.Count > 0)
            {
                return index;
            }
        }
    }

    private static string ModelPath(string shipped) => RepositoryRoot.Combine("models", shipped);

    private static OnnxDetector Load(string shipped, int maxBatchSize) => OnnxDetector.Load(Options(shipped, maxBatchSize), NullLogger.Instance);

    private static DetectorOptions Options(string shipped, int maxBatchSize) => new()
    {
        ModelPath = ModelPath(shipped),
        ExecutionProviders = ["CPU"],
        ScoreThreshold = 0.15f,
        IouThreshold = ShippedModels.NmsIou,
        MaxBatchSize = maxBatchSize,
        WarmupRuns = 1,
    };
}
