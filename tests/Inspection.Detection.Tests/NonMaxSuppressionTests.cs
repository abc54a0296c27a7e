namespace Inspection.Detection.Tests;

public sealed class NonMaxSuppressionTests
{
    [Fact]
    public void Apply_OverlappingBoxesOfSameClass_KeepsOnlyTheStronger()
    {
        var nms = new NonMaxSuppression(0.45f, 100);
        List<DetectionCandidate> candidates =
        [
            new(0, 0.6f, 0, 0, 100, 100),
            new(0, 0.9f, 5, 5, 105, 105),
        ];
        var kept = new List<DetectionCandidate>();

        nms.Apply(candidates, kept);

        Assert.Equal([candidates[1]], kept);
    }

    [Fact]
    public void Apply_OverlappingBoxesOfDifferentClasses_KeepsBoth()
    {
        var nms = new NonMaxSuppression(0.45f, 100);
        List<DetectionCandidate> candidates =
        [
            new(0, 0.6f, 0, 0, 100, 100),
            new(1, 0.9f, 5, 5, 105, 105),
        ];
        var kept = new List<DetectionCandidate>();

        nms.Apply(candidates, kept);

        Assert.Equal([candidates[1], candidates[0]], kept);
    }

    [Fact]
    public void Apply_ClassAgnosticOverlappingBoxesOfDifferentClasses_KeepsOnlyTheStronger()
    {
        var nms = new NonMaxSuppression(0.45f, 100, classAgnostic: true);
        List<DetectionCandidate> candidates =
        [
            new(0, 0.6f, 0, 0, 100, 100),
            new(1, 0.9f, 5, 5, 105, 105),
            new(0, 0.5f, 300, 300, 340, 340),
        ];
        var kept = new List<DetectionCandidate>();

        nms.Apply(candidates, kept);

        Assert.Equal([candidates[1], candidates[2]], kept);
    }

    [Fact]
    public void Apply_BarelyOverlappingBoxesOfSameClass_KeepsBoth()
    {
        var nms = new NonMaxSuppression(0.45f, 100);
        List<DetectionCandidate> candidates =
        [
            new(0, 0.6f, 0, 0, 100, 100),
            new(0, 0.9f, 90, 0, 190, 100),
        ];
        var kept = new List<DetectionCandidate>();

        nms.Apply(candidates, kept);

        Assert.Equal(2, kept.Count);
    }

    [Fact]
    public void Apply_MoreSurvivorsThanMax_KeepsTheStrongest()
    {
        var nms = new NonMaxSuppression(0.45f, 2);
        var candidates = Enumerable.Range(0, 5)
            .Select(i => new DetectionCandidate(0, 0.1f * (i + 1), i * 200, 0, (i * 200) + 100, 100))
            .ToList();
        var kept = new List<DetectionCandidate>();

        nms.Apply(candidates, kept);

        Assert.Equal([candidates[4], candidates[3]], kept);
    }

    [Fact]
    public void Apply_ManyCandidates_GrowsBuffersAndKeepsPreviousResultsOut()
    {
        var nms = new NonMaxSuppression(0.45f, 1000);
        var kept = new List<DetectionCandidate>();
        var many = Enumerable.Range(0, 300).Select(i => new DetectionCandidate(i % 3, 0.5f, i * 20, 0, (i * 20) + 10, 10)).ToList();
        nms.Apply(many, kept);
        Assert.Equal(300, kept.Count);

        nms.Apply([new DetectionCandidate(0, 0.5f, 0, 0, 10, 10)], kept);

        Assert.Single(kept);
    }

    [Fact]
    public void Apply_NoCandidates_ClearsKept()
    {
        var nms = new NonMaxSuppression(0.45f, 10);
        var kept = new List<DetectionCandidate> { new(0, 1, 0, 0, 1, 1) };

        nms.Apply([], kept);

        Assert.Empty(kept);
    }

    [Fact]
    public void KeepStrongest_MoreThanMax_SortsAndTruncates()
    {
        var nms = new NonMaxSuppression(0.45f, 2);
        List<DetectionCandidate> candidates = [new(0, 0.3f, 0, 0, 1, 1), new(1, 0.9f, 0, 0, 1, 1), new(2, 0.6f, 0, 0, 1, 1)];
        var kept = new List<DetectionCandidate>();

        nms.KeepStrongest(candidates, kept);

        Assert.Equal([candidates[1], candidates[2]], kept);
    }

    [Theory]
    [InlineData(-0.1f, 10)]
    [InlineData(1.1f, 10)]
    [InlineData(0.5f, 0)]
    public void Constructor_OutOfRange_Throws(float iou, int max)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NonMaxSuppression(iou, max));
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 2)]
    [InlineData(true, 3)]
    public void ApplyManaged_CrowdedCandidates_KeepsWhatOpenCvKeeps(bool classAgnostic, int seed)
    {
        // Clusters of overlapping boxes of several classes, with tied scores: every rule of NMSBoxes is exercised.
        var random = new Random(seed);
        var candidates = new List<DetectionCandidate>();
        for (var i = 0; i < 400; i++)
        {
            var x = random.Next(8) * 60f + (float)random.NextDouble() * 20;
            var y = random.Next(8) * 60f + (float)random.NextDouble() * 20;
            var size = 10 + (float)random.NextDouble() * 40;
            var score = MathF.Round((float)random.NextDouble(), 2);
            candidates.Add(new(random.Next(4), score, x, y, x + size, y + size));
        }

        var nms = new NonMaxSuppression(0.45f, 50, classAgnostic);
        var opencv = new List<DetectionCandidate>();
        var managed = new List<DetectionCandidate>();

        nms.Apply(candidates, opencv);
        nms.ApplyManaged(candidates, managed);

        Assert.True(opencv.Count > 10, $"only {opencv.Count} survivors: the candidates do not exercise suppression");
        Assert.Equal(opencv, managed);
    }
}
