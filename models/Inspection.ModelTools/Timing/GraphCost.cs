namespace Inspection.ModelTools.Timing;

/// <summary>Size and cost of a convolutional ONNX graph, counted over its Conv nodes.</summary>
/// <param name="Parameters">Values in the Conv weights and biases (each initializer counted once).</param>
/// <param name="MultiplyAdds">Multiply-adds of all Conv nodes for one input.</param>
/// <param name="ConvNodes">Number of Conv nodes.</param>
public sealed record GraphCost(long Parameters, long MultiplyAdds, int ConvNodes)
{
    /// <summary>Floating-point operations as Ultralytics reports them: two per multiply-add.</summary>
    public long Flops => 2 * MultiplyAdds;

    /// <summary><see cref="Flops"/> in billions.</summary>
    public double GigaFlops => Flops / 1e9;
}
