using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Inspection.Trainer.Training;

/// <summary>Conv (no bias) → BatchNorm → SiLU, the building block of the detector; export folds the BatchNorm into the conv.</summary>
public sealed class ConvBlock : nn.Module<Tensor, Tensor>
{
    public ConvBlock(string name, int inChannels, int outChannels, int kernel, int stride, int dilation = 1)
        : base(name)
    {
        Kernel = kernel;
        Stride = stride;
        Dilation = dilation;
        conv = nn.Conv2d(inChannels, outChannels, kernel, stride: stride, padding: Padding, dilation: dilation, bias: false);
        bn = nn.BatchNorm2d(outChannels, eps: BatchNormEpsilon, momentum: BatchNormMomentum);
        RegisterComponents();
    }

    /// <summary>The BatchNorm epsilon, needed again when folding.</summary>
    public const double BatchNormEpsilon = 1e-3;

    /// <summary>Weight of the newest batch in the running statistics.</summary>
    public const double BatchNormMomentum = 0.03;

    public int Kernel { get; }

    public int Stride { get; }

    /// <summary>Spacing of the kernel taps (1: a plain convolution).</summary>
    public int Dilation { get; }

    /// <summary>Padding on every side that keeps the output at input size ÷ stride.</summary>
    public int Padding => Dilation * (Kernel / 2);

#pragma warning disable IDE1006, SA1300 // TorchSharp registers submodules by field name; lower case keeps the state-dict keys PyTorch-like.
    public readonly Conv2d conv;
    public readonly BatchNorm2d bn;
#pragma warning restore IDE1006, SA1300

    /// <summary>
    /// The block as its int8 export computes it, given its input already on the int8 grid of
    /// <paramref name="inputScale"/> (<see cref="FakeQuant.Activations"/>): the BatchNorm folded into the conv with
    /// its running statistics (frozen: they are not updated here), the folded weight and bias on their int8 and int32
    /// grids. Call inside a dispose scope.
    /// </summary>
    public Tensor ForwardInt8Simulated(Tensor quantizedInput, float inputScale)
    {
        var (weight, bias) = Folded(ScalarType.Float32);
        var (qWeight, qBias) = FakeQuant.Conv(weight, bias, inputScale);
        var output = nn.functional.conv2d(
            quantizedInput, qWeight, qBias,
            strides: [Stride, Stride], padding: [Padding, Padding], dilation: [Dilation, Dilation]);
        return nn.functional.silu(output);
    }

    /// <summary>
    /// The BatchNorm folded into the conv with its running statistics, computed in <paramref name="type"/>: weight
    /// × γ/√(σ² + ε) per output channel, bias β − μ·γ/√(σ² + ε). The export (in float64, then stored as float32)
    /// and the int8 simulation (float32, with gradients) both use it. Call inside a dispose scope.
    /// </summary>
    public (Tensor Weight, Tensor Bias) Folded(ScalarType type)
    {
        var scale = bn.weight!.to_type(type) / (bn.running_var!.to_type(type) + BatchNormEpsilon).sqrt();
        return (conv.weight!.to_type(type) * scale.view(-1, 1, 1, 1), bn.bias!.to_type(type) - (bn.running_mean!.to_type(type) * scale));
    }

    public override Tensor forward(Tensor input)
    {
        using var convolved = conv.forward(input);
        // The functional form, not bn.forward: a run once died inside the module's batch count (an in-place add of
        // a temporary Scalar, which libtorch read as garbage — most likely freed by the garbage collector during the
        // call). The count is unused here: the running statistics follow the fixed momentum. Same arithmetic.
        using var normalized = nn.functional.batch_norm(
            convolved, bn.running_mean!, bn.running_var!, bn.weight, bn.bias, training, BatchNormMomentum, BatchNormEpsilon);
        return nn.functional.silu(normalized);
    }
}
