using Inspection.Trainer.Training;

namespace Inspection.Trainer.Tests.Training;

public sealed class SyntheticSamplerTests
{
    [Fact]
    public void NextCrop_ManyDraws_BoxesInsideTheCropAndBigEnoughToName()
    {
        using var sampler = new SyntheticSampler(SyntheticSampler.TrainSeeds(1), samplerSeed: 5, imageSize: 640);
        var boxes = 0;
        for (var i = 0; i < 40; i++)
        {
            var image = sampler.NextCrop(256);

            Assert.Equal(3 * 256 * 256, image.Pixels.Length);
            Assert.Equal(image.Boxes.Count, image.ClassIds.Count);
            foreach (var box in image.Boxes)
            {
                Assert.InRange(box.X1, 0, 256);
                Assert.InRange(box.Y1, 0, 256);
                Assert.InRange(box.X2, box.X1 + 4, 256);
                Assert.InRange(box.Y2, box.Y1 + 4, 256);
                boxes++;
            }
        }

        // Two crops in three are placed over a defect when the frame has one, so positives are not diluted away.
        Assert.True(boxes >= 10, $"only {boxes} boxes in 40 crops");
    }

    [Fact]
    public void NextCrop_SameSeed_SameCrops()
    {
        using var a = new SyntheticSampler(SyntheticSampler.TrainSeeds(1), samplerSeed: 9, imageSize: 640);
        using var b = new SyntheticSampler(SyntheticSampler.TrainSeeds(1), samplerSeed: 9, imageSize: 640);

        for (var i = 0; i < 5; i++)
        {
            var x = a.NextCrop(256);
            var y = b.NextCrop(256);
            Assert.Equal(x.Pixels, y.Pixels);
            Assert.Equal(x.Boxes, y.Boxes);
        }
    }

    [Fact]
    public void NextCrop_WholeInput_SameAsNext()
    {
        using var a = new SyntheticSampler(SyntheticSampler.TrainSeeds(1), samplerSeed: 2, imageSize: 320);
        using var b = new SyntheticSampler(SyntheticSampler.TrainSeeds(1), samplerSeed: 2, imageSize: 320);

        var crop = a.NextCrop(320);
        var whole = b.Next();

        Assert.Equal(whole.Pixels, crop.Pixels);
        Assert.Equal(whole.Boxes, crop.Boxes);
    }

    [Fact]
    public void NextCrop_LargerThanInput_Throws()
    {
        using var sampler = new SyntheticSampler(SyntheticSampler.TrainSeeds(1), samplerSeed: 1, imageSize: 320);

        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.NextCrop(416));
    }
}
