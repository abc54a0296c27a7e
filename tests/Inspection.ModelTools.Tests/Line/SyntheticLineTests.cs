using Inspection.ModelTools.Line;
using OpenCvSharp;

namespace Inspection.ModelTools.Tests.Line;

public sealed class SyntheticLineTests
{
    private static byte[] Pixels(Mat frame)
    {
        frame.GetArray(out Vec3b[] pixels);
        return System.Runtime.InteropServices.MemoryMarshal.AsBytes(pixels.AsSpan()).ToArray();
    }

    [Fact]
    public void Render_SameSeedAndFrame_SamePixelsAndTruth()
    {
        using var a = new SyntheticLine(7);
        using var b = new SyntheticLine(7);

        using var first = a.Render(333);
        using var second = b.Render(333);

        Assert.Equal(Pixels(first.Frame), Pixels(second.Frame));
        Assert.Equal(first.Truth, second.Truth);
    }

    [Fact]
    public void Render_DifferentSeed_DifferentPixels()
    {
        using var a = new SyntheticLine(7);
        using var b = new SyntheticLine(8);

        using var first = a.Render(333);
        using var second = b.Render(333);

        Assert.NotEqual(Pixels(first.Frame), Pixels(second.Frame));
    }

    [Fact]
    public void Render_OutOfOrder_SameAsInOrder()
    {
        using var line = new SyntheticLine(3);
        using var later = line.Render(400);
        using var earlier = line.Render(10);
        using var fresh = new SyntheticLine(3);

        using var again = fresh.Render(400);

        Assert.Equal(Pixels(again.Frame), Pixels(later.Frame));
    }

    [Fact]
    public void Render_ConsecutiveFrames_BeltMoves()
    {
        using var line = new SyntheticLine(7);
        using var a = line.Render(5);
        using var b = line.Render(6);

        Assert.NotEqual(Pixels(a.Frame), Pixels(b.Frame));
    }

    [Fact]
    public void Render_Frame_HasRequestedSizeAndIsBgr()
    {
        using var line = new SyntheticLine(7, 320, 240);

        using var rendered = line.Render(100);

        Assert.Equal(new Size(320, 240), rendered.Frame.Size());
        Assert.Equal(MatType.CV_8UC3, rendered.Frame.Type());
    }

    [Fact]
    public void Render_GroundTruth_InsideFrameAndOnItsPart()
    {
        using var line = new SyntheticLine(11);
        var checkedBoxes = 0;
        for (var index = 0; index < 1200; index += 7)
        {
            using var rendered = line.Render(index);
            foreach (var truth in rendered.Truth)
            {
                Assert.InRange(truth.Box.X1, 0, line.Width);
                Assert.InRange(truth.Box.X2, truth.Box.X1, line.Width);
                Assert.InRange(truth.Box.Y1, 0, line.Height);
                Assert.InRange(truth.Box.Y2, truth.Box.Y1, line.Height);
                var part = Assert.Single(rendered.Parts, p => p.PartId == truth.PartId);
                Assert.True(part.IsDefective);
                Assert.True(part.Contains((truth.Box.X1 + truth.Box.X2) / 2, (truth.Box.Y1 + truth.Box.Y2) / 2),
                    $"frame {index}: {truth.ClassName} at {truth.Box} is not on part {part.PartId}");
                checkedBoxes++;
            }
        }

        Assert.True(checkedBoxes > 50, $"only {checkedBoxes} defect boxes in 1200 frames");
    }

    [Fact]
    public void Render_ClearDefectOfEveryClass_VisibleInItsBox()
    {
        // The labels must point at something visible: a clear defect's box spans a wide range of grey levels.
        using var line = new SyntheticLine(11);
        var checkedPerClass = new int[DefectClasses.Names.Count];
        using var gray = new Mat();
        for (var index = 0; index < 3000; index += 7)
        {
            using var rendered = line.Render(index);
            Cv2.CvtColor(rendered.Frame, gray, ColorConversionCodes.BGR2GRAY);
            foreach (var truth in rendered.Truth.Where(t => !t.Faint && !t.Truncated))
            {
                var rect = new Rect((int)truth.Box.X1, (int)truth.Box.Y1, (int)truth.Box.Width, (int)truth.Box.Height);
                using var roi = new Mat(gray, rect);
                Cv2.MinMaxLoc(roi, out double min, out double max);
                Assert.True(max - min > 30, $"frame {index}: {truth.ClassName} box spans only {min}..{max}");
                checkedPerClass[truth.ClassId]++;
            }
        }

        Assert.All(checkedPerClass, count => Assert.True(count >= 3, $"clear defects checked per class: {string.Join(", ", checkedPerClass)}"));
    }

    [Fact]
    public void Render_DefectCutByFrameEdge_LabelledClippedAndMarkedTruncated()
    {
        using var line = new SyntheticLine(11);
        var truncated = 0;
        for (var index = 0; index < 3000; index++)
        {
            using var rendered = line.Render(index);
            foreach (var truth in rendered.Truth)
            {
                var touchesEdge = truth.Box.X1 <= 0 || truth.Box.Y1 <= 0 || truth.Box.X2 >= line.Width || truth.Box.Y2 >= line.Height;
                Assert.Equal(touchesEdge, truth.Truncated);
                if (truth.Truncated)
                {
                    // The visible part must be big enough to tell what it is; slivers stay unlabelled.
                    Assert.True(truth.Box.Width >= 4 && truth.Box.Height >= 4, $"frame {index}: truncated {truth.ClassName} box {truth.Box} is a sliver");
                    truncated++;
                }
            }
        }

        Assert.True(truncated >= 5, $"only {truncated} truncated boxes in 3000 frames");
    }

    [Fact]
    public void Render_LongRun_HasEveryClassFaintAndCleanParts()
    {
        using var line = new SyntheticLine(5);
        var seen = new HashSet<(int ClassId, bool Faint)>();
        var cleanParts = new HashSet<int>();
        for (var index = 0; index < 3000; index += 10)
        {
            using var rendered = line.Render(index);
            seen.UnionWith(rendered.Truth.Select(t => (t.ClassId, t.Faint)));
            cleanParts.UnionWith(rendered.Parts.Where(p => !p.IsDefective).Select(p => p.PartId));
        }

        for (var c = 0; c < DefectClasses.Names.Count; c++)
        {
            Assert.Contains((c, false), seen);
            Assert.Contains((c, true), seen);
        }

        Assert.NotEmpty(cleanParts);
    }

    [Fact]
    public void Render_ManyFrames_PartsNeverOverlap()
    {
        using var line = new SyntheticLine(9);
        for (var index = 0; index < 3000; index += 5)
        {
            using var rendered = line.Render(index);
            foreach (var a in rendered.Parts)
            {
                foreach (var b in rendered.Parts.Where(p => p.PartId != a.PartId))
                {
                    Assert.DoesNotContain(a.Corners, c => b.Contains(c.X, c.Y));
                }
            }
        }
    }

    [Fact]
    public void Constructor_TooSmall_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticLine(1, 32, 32));
    }

    [Fact]
    public void Render_NegativeFrame_Throws()
    {
        using var line = new SyntheticLine(1);

        Assert.Throws<ArgumentOutOfRangeException>(() => line.Render(-1));
    }

    [Fact]
    public void Deconstruct_RenderedFrame_GivesFrameAndTruth()
    {
        using var line = new SyntheticLine(7);
        using var rendered = line.Render(350);

        var (frame, truth) = rendered;

        Assert.Same(rendered.Frame, frame);
        Assert.Same(rendered.Truth, truth);
    }

    [Fact]
    public void NamesMetadata_Classes_IsPythonDictLiteral()
    {
        Assert.Equal("{0: 'scratch', 1: 'spot', 2: 'crack', 3: 'dent'}", DefectClasses.NamesMetadata);
    }
}
