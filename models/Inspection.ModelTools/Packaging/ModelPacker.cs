using Inspection.Detection.Packaging;
using Inspection.ModelTools.Line;
using OpenCvSharp;

namespace Inspection.ModelTools.Packaging;

/// <summary>
/// <c>pack</c>'s work: golden frames rendered from the synthetic line (PNG), the package built and signed by
/// <see cref="ModelPackageBuilder"/> with the publisher's key, and the archive written whole or not at all.
/// </summary>
public static class ModelPacker
{
    public static ModelManifest Pack(PackSettings settings, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using var key = PublisherKey.ReadPrivate(settings.PrivateKeyPath);
        var images = GoldenImages(settings.GoldenSeed, settings.GoldenFrames).Select(g => g.Png).ToList();
        var directory = Path.GetDirectoryName(Path.GetFullPath(settings.OutputPath))!;
        Directory.CreateDirectory(directory);
        var partial = settings.OutputPath + ".partial";
        ModelManifest manifest;
        try
        {
            using (var stream = File.Create(partial))
            {
                manifest = ModelPackageBuilder.Build(settings.ModelPath, images, settings.Details, key, time, stream);
            }

            File.Move(partial, settings.OutputPath, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }

        return manifest;
    }

    /// <summary>
    /// <paramref name="count"/> frames of the synthetic line as PNG: all but one show a defect, one shows none, so the
    /// golden set checks both that defects are found and that clean parts stay clean.
    /// </summary>
    public static IEnumerable<(long Index, byte[] Png)> GoldenImages(int seed, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        using var line = new SyntheticLine(seed);
        int defective = 0, clean = 0;
        for (long index = 0; index < 50 * SyntheticLine.PartPeriodFrames && defective + clean < count; index += 7)
        {
            using var frame = line.Render(index);
            var hasDefect = frame.Truth.Count > 0;
            var wanted = hasDefect ? defective < count - (count > 1 ? 1 : 0) : clean < 1 && count > 1;
            if (!wanted)
            {
                continue;
            }

            defective += hasDefect ? 1 : 0;
            clean += hasDefect ? 0 : 1;
            yield return (index, frame.Frame.ImEncode(".png"));
        }

        if (defective + clean < count)
        {
            throw new InvalidOperationException($"The synthetic line with seed {seed} did not give {count} golden frames.");
        }
    }
}
