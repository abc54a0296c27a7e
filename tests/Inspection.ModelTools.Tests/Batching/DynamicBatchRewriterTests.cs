using Google.Protobuf;
using Inspection.ModelTools.Batching;
using Inspection.ModelTools.Onnx;
using Inspection.ModelTools.Onnx.Proto;

namespace Inspection.ModelTools.Tests.Batching;

public sealed class DynamicBatchRewriterTests
{
    [Fact]
    public void Rewrite_ShippedEdgeFp32Model_BatchDynamicAndBatchesEqualSingleRuns()
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(RepositoryPaths.Models, "edge", "inspection-edge-fp32.onnx")));

        var (reshapes, already) = DynamicBatchRewriter.Rewrite(model);

        Assert.Equal((1, false), (reshapes, already));
        Assert.Equal(DynamicBatchRewriter.BatchDimension, model.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(DynamicBatchRewriter.BatchDimension, model.Graph.Output[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.InRange(DynamicBatchCommand.MaxBatchDifference(model.ToByteArray()), 0f, DynamicBatchCommand.Tolerance);
    }

    [Fact]
    public void Rewrite_ShippedCloudModel_AlreadyDynamic()
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(RepositoryPaths.Models, "cloud", "inspection-cloud.onnx")));

        Assert.Equal((0, true), DynamicBatchRewriter.Rewrite(model));
    }

    [Fact]
    public void Rewrite_OperatorThatMayTieTheBatch_RefusedNamingIt()
    {
        var model = new OnnxGraphBuilder("transposed")
            .AddInput("images", 1, 3, 8, 8)
            .AddNode("Transpose", ["images"], ["output0"], OnnxAttribute.Ints("perm", 1, 0, 2, 3))
            .AddOutput("output0", 3, 1, 8, 8)
            .Build();

        var error = Assert.Throws<InvalidOperationException>(() => DynamicBatchRewriter.Rewrite(model));

        Assert.Contains("Transpose", error.Message);
    }
}
