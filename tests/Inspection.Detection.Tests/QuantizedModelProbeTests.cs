using System.Text;
using Inspection.ModelTools.Onnx;

namespace Inspection.Detection.Tests;

public sealed class QuantizedModelProbeTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ContainsQdqNodes_ModelWithQuantizeDequantizePair_ReturnsTrue()
    {
        var path = _temp.File("qdq.onnx");
        new OnnxGraphBuilder("qdq")
            .AddInput("x", 1, 4)
            .AddInitializer("scale", [0.1f])
            .AddNode("QuantizeLinear", ["x", "scale"], ["q"])
            .AddNode("DequantizeLinear", ["q", "scale"], ["y"])
            .AddOutput("y", 1, 4)
            .Save(path);

        Assert.True(QuantizedModelProbe.ContainsQdqNodes(path));
    }

    [Fact]
    public void ContainsQdqNodes_FloatModel_ReturnsFalse()
    {
        var path = TestModels.Grid(_temp.File("float.onnx"), YoloOutputLayout.YoloV8);

        Assert.False(QuantizedModelProbe.ContainsQdqNodes(path));
    }

    [Fact]
    public void ContainsQdqNodes_MarkerSplitAcrossReadChunks_ReturnsTrue()
    {
        var path = _temp.File("split.bin");
        var bytes = new byte[(1 << 20) + 64];
        Encoding.ASCII.GetBytes("DequantizeLinear").CopyTo(bytes, (1 << 20) - 7);
        File.WriteAllBytes(path, bytes);

        Assert.True(QuantizedModelProbe.ContainsQdqNodes(path));
    }
}
