using Inspection.ModelTools.Onnx;
using Inspection.ModelTools.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Inspection.ModelTools.Tests.Onnx;

public sealed class OnnxGraphBuilderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onnx-builder-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // y = relu(conv3x3(x, w) + b), then reshaped and concatenated with a constant, covering the
    // features real models use: float and int64 initializers, attributes, metadata.
    private static OnnxGraphBuilder SmallConvModel() =>
        new OnnxGraphBuilder("small")
            .AddInput("images", 1, 1, 4, 4)
            .AddOutput("output0", 1, 2, 16)
            .AddInitializer("w", [0f, 0, 0, 0, 1, 0, 0, 0, 0], 1, 1, 3, 3)
            .AddInitializer("b", [-0.5f], 1)
            .AddInitializer("shape", [1L, 1, 16], 3)
            .AddInitializer("ones", Enumerable.Repeat(1f, 16).ToArray(), 1, 1, 16)
            .AddNode("Conv", ["images", "w", "b"], ["conv"], OnnxAttribute.Ints("pads", 1, 1, 1, 1), OnnxAttribute.Ints("kernel_shape", 3, 3))
            .AddNode("Relu", ["conv"], ["relu"])
            .AddNode("Reshape", ["relu", "shape"], ["flat"])
            .AddNode("Concat", ["flat", "ones"], ["output0"], OnnxAttribute.Int("axis", 1))
            .AddMetadata("names", "{0: 'a'}")
            .AddMetadata("stride", "1");

    [Fact]
    public void Save_SmallConvModel_RunsInOnnxRuntimeWithExpectedValues()
    {
        var path = Path.Combine(_dir, "small.onnx");
        SmallConvModel().Save(path);

        using var session = new InferenceSession(path);
        var input = new DenseTensor<float>(Enumerable.Range(0, 16).Select(i => i / 10f).ToArray(), [1, 1, 4, 4]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("images", input)]);
        var output = results[0].AsTensor<float>();

        Assert.Equal([1, 2, 16], output.Dimensions.ToArray());
        for (var i = 0; i < 16; i++)
        {
            Assert.Equal(Math.Max(0, i / 10f - 0.5f), output[0, 0, i], 5);
            Assert.Equal(1f, output[0, 1, i]);
        }

        Assert.Equal("{0: 'a'}", session.ModelMetadata.CustomMetadataMap["names"]);
        Assert.Equal("1", session.ModelMetadata.CustomMetadataMap["stride"]);
        Assert.Equal(OnnxGraphBuilder.ProducerName, session.ModelMetadata.ProducerName);
    }

    [Fact]
    public void Save_SmallConvModel_PassesOnnxChecker()
    {
        OnnxChecker.RequireAvailable();
        var path = Path.Combine(_dir, "small.onnx");
        SmallConvModel().Save(path);

        var (exitCode, output) = OnnxChecker.Check(path);

        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public void Check_ShapeMismatch_FailsOnnxChecker()
    {
        // Proves the checker test can fail: the declared output shape contradicts the graph.
        OnnxChecker.RequireAvailable();
        var path = Path.Combine(_dir, "bad.onnx");
        new OnnxGraphBuilder()
            .AddInput("x", 1, 3)
            .AddOutput("y", 1, 4)
            .AddNode("Relu", ["x"], ["y"])
            .Save(path);

        var (exitCode, _) = OnnxChecker.Check(path);

        Assert.NotEqual(0, exitCode);
    }

    [Fact]
    public void ToBytes_SameCalls_SameBytes()
    {
        Assert.Equal(SmallConvModel().ToBytes(), SmallConvModel().ToBytes());
    }

    [Fact]
    public void Build_Model_WritesIrVersionOpsetAndTopologicalNodes()
    {
        var model = SmallConvModel().Build();

        Assert.Equal(8, model.IrVersion);
        Assert.Equal(17, Assert.Single(model.OpsetImport).Version);
        Assert.Equal(["Conv", "Relu", "Reshape", "Concat"], model.Graph.Node.Select(n => n.OpType));
        Assert.Equal(model.Graph.Node.Count, model.Graph.Node.Select(n => n.Name).Distinct().Count());
        Assert.Equal((int)TensorProto.Types.DataType.Int64, model.Graph.Initializer.Single(t => t.Name == "shape").DataType);
    }

    [Fact]
    public void AddInput_SymbolicDimension_WritesDimParam()
    {
        var model = new OnnxGraphBuilder().AddInput("x", -1, 3).AddOutput("y", -1, 3).AddNode("Relu", ["x"], ["y"]).Build();

        var dims = model.Graph.Input[0].Type.TensorType.Shape.Dim;
        Assert.Equal("x_0", dims[0].DimParam);
        Assert.Equal(3, dims[1].DimValue);
    }

    [Fact]
    public void AddInitializer_DataDoesNotFillShape_ThrowsNamingTheTensor()
    {
        var builder = new OnnxGraphBuilder();

        var error = Assert.Throws<ArgumentException>(() => builder.AddInitializer("weights", [1f, 2f, 3f], 2, 2));

        Assert.Contains("'weights' has 3 values but its shape [2, 2] holds 4", error.Message);
    }

    [Fact]
    public void AddNode_UnknownInput_ThrowsNamingTheInput()
    {
        var builder = new OnnxGraphBuilder().AddInput("x", 1);

        var error = Assert.Throws<ArgumentException>(() => builder.AddNode("Add", ["x", "missing"], ["y"]));

        Assert.Contains("'missing'", error.Message);
    }

    [Fact]
    public void AddNode_OutputNameTaken_Throws()
    {
        var builder = new OnnxGraphBuilder().AddInput("x", 1);

        Assert.Throws<ArgumentException>(() => builder.AddNode("Relu", ["x"], ["x"]));
    }

    [Fact]
    public void AddNode_SameAttributeTwice_Throws()
    {
        var builder = new OnnxGraphBuilder().AddInput("x", 1);

        Assert.Throws<ArgumentException>(() =>
            builder.AddNode("Flatten", ["x"], ["y"], OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("axis", 0)));
    }

    [Fact]
    public void AddInput_BadDimension_Throws()
    {
        Assert.Throws<ArgumentException>(() => new OnnxGraphBuilder().AddInput("x", 1, -3));
    }

    [Fact]
    public void AddMetadata_DuplicateKey_Throws()
    {
        var builder = new OnnxGraphBuilder().AddMetadata("names", "{}");

        Assert.Throws<ArgumentException>(() => builder.AddMetadata("names", "{0: 'x'}"));
    }

    [Fact]
    public void Build_OutputNotProduced_ThrowsNamingTheOutput()
    {
        var builder = new OnnxGraphBuilder().AddInput("x", 1).AddOutput("y", 1);

        var error = Assert.Throws<InvalidOperationException>(builder.Build);

        Assert.Contains("'y'", error.Message);
    }

    [Fact]
    public void Build_NoOutputs_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => new OnnxGraphBuilder().AddInput("x", 1).Build());
    }

    [Fact]
    public void Save_IntoMissingFolder_CreatesFolderAndLeavesNoTempFile()
    {
        var path = Path.Combine(_dir, "nested", "deeper", "m.onnx");

        SmallConvModel().Save(path);

        Assert.Equal(SmallConvModel().ToBytes(), File.ReadAllBytes(path));
        Assert.Equal(["m.onnx"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }
}
