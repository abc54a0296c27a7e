using Inspection.ModelTools.Onnx;
using Inspection.ModelTools.Timing;

namespace Inspection.ModelTools.Tests.Timing;

public sealed class OnnxCostCounterTests
{
    [Fact]
    public void Count_StridedConvThenPooledConv_CountsWeightsBiasesAndMultiplyAdds()
    {
        var model = new OnnxGraphBuilder()
            .AddInput("x", 1, 3, 16, 16)
            .AddInitializer("w1", new float[8 * 3 * 3 * 3], 8, 3, 3, 3)
            .AddInitializer("b1", new float[8], 8)
            .AddNode("Conv", ["x", "w1", "b1"], ["c1"], OnnxAttribute.Ints("strides", 2, 2), OnnxAttribute.Ints("pads", 1, 1, 1, 1))
            .AddNode("MaxPool", ["c1"], ["p"], OnnxAttribute.Ints("kernel_shape", 2, 2), OnnxAttribute.Ints("strides", 2, 2))
            .AddInitializer("w2", new float[4 * 8], 4, 8, 1, 1)
            .AddNode("Conv", ["p", "w2"], ["y"])
            .AddOutput("y", 1, 4, 4, 4)
            .Build();

        var cost = OnnxCostCounter.Count(model);

        // Conv 1: 8×8×8 outputs × 27; pool to 4×4; conv 2: 4×4×4 outputs × 8.
        Assert.Equal((8 * 27) + 8 + 32, cost.Parameters);
        Assert.Equal((8 * 8 * 8 * 27) + (4 * 4 * 4 * 8), cost.MultiplyAdds);
        Assert.Equal(2 * cost.MultiplyAdds, cost.Flops);
        Assert.Equal(2, cost.ConvNodes);
    }

    [Fact]
    public void Count_OperatorWithoutShapeRule_NamesIt()
    {
        var model = new OnnxGraphBuilder()
            .AddInput("x", 1, 3, 8, 8)
            .AddNode("GlobalAveragePool", ["x"], ["y"])
            .AddOutput("y", 1, 3, 1, 1)
            .Build();

        var error = Assert.Throws<NotSupportedException>(() => OnnxCostCounter.Count(model));

        Assert.Contains("GlobalAveragePool", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Count_SymbolicInput_SaysFixedSizesOnly()
    {
        var model = new OnnxGraphBuilder()
            .AddInput("x", 1, 3, -1, -1)
            .AddNode("Relu", ["x"], ["y"])
            .AddOutput("y", 1, 3, -1, -1)
            .Build();

        var error = Assert.Throws<InvalidDataException>(() => OnnxCostCounter.Count(model));

        Assert.Contains("fixed sizes", error.Message, StringComparison.Ordinal);
    }
}
