using Inspection.Trainer.Native;
using Inspection.Trainer.Training;

namespace Inspection.Trainer.Tests.Training;

public sealed class NonFiniteLossExceptionTests
{
    private static readonly TrainSettings Settings = new("out", Steps: 100, ImageSize: 128, Seed: 7, WidthMultiplier: 0.25, BatchSize: 2, LearningRate: 0.002, ValidationFrames: 3);

    [Fact]
    public void At_FirstSteps_NamesTheKernelsWithTheSettingInForceBeforeTheLearningRate()
    {
        var message = NonFiniteLossException.At(float.NaN, 1, 2e-5, Settings, "DNNL_MAX_CPU_ISA=ALL").Message;

        Assert.StartsWith("The loss became NaN at step 1. Likely causes, most likely first: (1) the processor's math kernels: libtorch's oneDNN runs with DNNL_MAX_CPU_ISA=ALL", message, StringComparison.Ordinal);
        Assert.Contains($"run with {OneDnnIsaLimit.Variable}={OneDnnIsaLimit.Limit}", message, StringComparison.Ordinal);
        Assert.Contains("(2) the data", message, StringComparison.Ordinal);
        Assert.Contains("(3) the learning rate: 2E-05 at this step (peak --lr 0.002)", message, StringComparison.Ordinal);
    }

    [Fact]
    public void At_LaterStep_NamesTheLearningRateFirst()
    {
        var message = NonFiniteLossException.At(float.PositiveInfinity, NonFiniteLossException.EarlySteps + 1, 0.002, Settings, "DNNL_MAX_CPU_ISA=AVX2").Message;

        Assert.StartsWith("The loss became Infinity at step 11. Likely causes, most likely first: (1) the learning rate: 0.002", message, StringComparison.Ordinal);
        Assert.Contains("(2) the processor's math kernels", message, StringComparison.Ordinal);
    }

    [Fact]
    public void At_StartWeightsGiven_NamesTheFile()
    {
        var message = NonFiniteLossException.At(float.NaN, 2, 1e-5, Settings with { InitWeights = "/runs/a/detector.dat" }, "DNNL_MAX_CPU_ISA=AVX2").Message;

        Assert.Contains("(2) the start weights '/runs/a/detector.dat' (--init-weights)", message, StringComparison.Ordinal);
    }
}
