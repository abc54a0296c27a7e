using Inspection.Detection;
using Inspection.ModelTools.Evaluation.Parts;

namespace Inspection.ModelTools.Tests.Evaluation.Parts;

public sealed class PartSweepTests
{
    private static readonly BoundingBox PartBox = new(100, 100, 200, 200);

    [Fact]
    public void ChooseCloud_CloudScoresSeparateThePartsOnlyAroundOneBand_ChoosesThatBand()
    {
        // Part 1 is defective and the cloud scores it 0.38; part 2 is clean and the cloud scores it 0.27. Only 0.30 / 0.35
        // passes the clean part and rejects the defective one; a lower edge of 0.40 or more would pass the defective part.
        var clip = new PartClip(
            1, 100,
            [new TrackedPart(1, 1, [new PartView(0, 0.5f, PartBox, true)]), new TrackedPart(2, 2, [new PartView(50, 0.2f, PartBox, true)])],
            [new TruePart(1, Defective: true, WithinClip: true), new TruePart(2, Defective: false, WithinClip: true)],
            frame => [new Inspection.Detection.Detection(0, "scratch", frame == 0 ? 0.38f : 0.27f, new BoundingBox(140, 140, 160, 160))],
            detectionMargin: 8);

        var chosen = PartSweep.ChooseCloud([clip], wholeViewsOnly: true, minCloudLower: 0.25f, maxFalseRejectShare: 0.02, TestContext.Current.CancellationToken);

        Assert.NotNull(chosen);
        Assert.Equal(new DecisionBand(0.30f, 0.35f), chosen.CloudBand);
        Assert.Equal(1, chosen.MaxEscalatedFrames);
        Assert.Equal(PartSweep.EverythingToTheCloud, chosen.EdgeBand);
    }

    [Fact]
    public void ChooseCloud_CleanPartWithoutAnEdgeDetection_IsJudgedTooAndNotRejected()
    {
        // The defective part: edge 0.5, cloud 0.38. The clean part: no edge detection at all (score 0), cloud 0.33. Sent
        // only on an edge detection, the clean part would never reach the cloud and 0.25 / 0.30 would look perfect while
        // rejecting it. Judged on every part, the cloud must keep 0.33 below its upper edge: the defective part is then
        // decided and the clean one left to a person (0.25 / 0.35, the lowest such lower edge).
        var clip = new PartClip(
            1, 100,
            [new TrackedPart(1, 1, [new PartView(0, 0.5f, PartBox, true)]), new TrackedPart(2, 2, [new PartView(50, 0f, PartBox, true)])],
            [new TruePart(1, Defective: true, WithinClip: true), new TruePart(2, Defective: false, WithinClip: true)],
            frame => [new Inspection.Detection.Detection(0, "scratch", frame == 0 ? 0.38f : 0.33f, new BoundingBox(140, 140, 160, 160))],
            detectionMargin: 8);

        var chosen = PartSweep.ChooseCloud([clip], wholeViewsOnly: true, minCloudLower: 0.25f, maxFalseRejectShare: 0.02, TestContext.Current.CancellationToken);

        Assert.NotNull(chosen);
        Assert.Equal(new DecisionBand(0.25f, 0.35f), chosen.CloudBand);
        var score = PartScorer.Score(clip, chosen);
        Assert.Equal(0, score.FalseRejects);
        Assert.Equal(0, score.Escapes);
        Assert.Equal(2, score.Escalated);
    }

    [Fact]
    public void CloudBandChart_Render_WritesAPngOfTheChartSize()
    {
        CloudCurvePoint[] curve = [new(0.25f, 0.30f, 10, 0, 0, 5, 0), new(0.30f, 0.35f, 10, 2, 0.2, 5, 1)];

        var png = CloudBandChart.Render(curve, 0.25f, "cloud band");

        using var image = OpenCvSharp.Cv2.ImDecode(png, OpenCvSharp.ImreadModes.Color);
        Assert.Equal(CloudBandChart.Width, image.Width);
        Assert.Equal(CloudBandChart.Height, image.Height);
    }
}
