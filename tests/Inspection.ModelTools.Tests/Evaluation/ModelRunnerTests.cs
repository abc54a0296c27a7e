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
        using var runner = new ModelRunner(Path.Combine(RepositoryPaths.Models, ModelCatalog.Edge.FileName));

        Assert.Equal(320, runner.InputSize);
        Assert.Equal(8, runner.Stride);
    }

    [Fact]
    public void MaxScore_ClearDefectFrame_HighOnDefectLowElsewhere()
    {
        using var runner = new ModelRunner(Path.Combine(RepositoryPaths.Models, ModelCatalog.Edge.FileName));
        using var line = new SyntheticLine(7);
        using var rendered = line.Render(440); // a clear scratch on a part fully in view
        var truth = Assert.Single(rendered.Truth);

        runner.Run(rendered.Frame);

        Assert.True(runner.MaxScore(truth.ClassId, truth.Box.X1, truth.Box.Y1, truth.Box.X2, truth.Box.Y2) >= 0.75f);
        Assert.True(runner.MaxScore(null, 0, 0, 100, 100) < 0.35f); // belt, top-left corner
    }
}
