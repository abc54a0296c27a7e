using Inspection.ModelTools.Evaluation;
using Inspection.ModelTools.Line;
using Inspection.ModelTools.Models;

namespace Inspection.ModelTools.Tests.Evaluation;

public sealed class ModelRunnerTests
{
    [Fact]
    public void Constructor_MissingModel_ThrowsFileNotFoundNamingTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-model.onnx");

        var error = Assert.Throws<FileNotFoundException>(() => new ModelRunner(path));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Constructor_EdgeModel_ReadsInputSizeAndStride()
    {
        using var runner = new ModelRunner(Path.Combine(RepositoryPaths.Models, ShippedModels.Edge));

        Assert.Equal(480, runner.InputSize);
        Assert.Equal(8, runner.Stride);
    }

    [Fact]
    public void MaxScore_ClearDefectFrame_HighOnDefectLowElsewhere()
    {
        using var runner = new ModelRunner(Path.Combine(RepositoryPaths.Models, ShippedModels.Edge));
        using var line = new SyntheticLine(7);
        var index = Enumerable.Range(20, 1200).Select(i => i * 5L).First(i =>
        {
            using var candidate = line.Render(i);
            return candidate.Truth.Count == 1 && !candidate.Truth[0].Faint && !candidate.Truth[0].Truncated
                && candidate.Parts.Single(p => p.PartId == candidate.Truth[0].PartId).FullyVisible;
        });
        using var rendered = line.Render(index); // a clear defect on a part fully in view
        var truth = rendered.Truth[0];

        runner.Run(rendered.Frame);

        Assert.True(runner.MaxScore(truth.ClassId, truth.Box.X1, truth.Box.Y1, truth.Box.X2, truth.Box.Y2) >= ShippedModels.Band.Upper);
        Assert.True(runner.MaxScore(null, 0, 0, 100, 100) < ShippedModels.Band.Lower); // belt, top-left corner
    }
}
