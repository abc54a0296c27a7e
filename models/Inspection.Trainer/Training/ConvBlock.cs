using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Inspection.Trainer.Training;

/// <summary>Conv (no bias) → BatchNorm → SiLU, the building block of the detector; export folds the BatchNorm into the conv.</summary>
public sealed class ConvBlock : nn.Module<Tensor, Tensor>
{
    public ConvBlock(string name, int inChannels, int outChannels, int kernel, int stride)
        : base(name)
    {
        Kernel = kernel;
        Stride = stride;
        conv = nn.Conv2d(inChannels, outChannels, kernel, stride: stride, padding: kernel / 2, bias: false);
        bn = nn.BatchNorm2d(outChannels, eps: BatchNormEpsilon, momentum: 0.03);
        RegisterComponents();
    }

    /// <summary>The BatchNorm epsilon, needed again when folding.</summary>
    public const double BatchNormEpsilon = 1e-3;

    public int Kernel { get; }

    public int Stride { get; }

#pragma warning disable IDE1006, SA1300 // TorchSharp registers submodules by field name; lower case keeps the state-dict keys PyTorch-like.
    public readonly Conv2d conv;
    public readonly BatchNorm2d bn;
#pragma warning restore IDE1006, SA1300

    public override Tensor forward(Tensor input)
    {
        using var convolved = conv.forward(input);
        using var normalized = bn.forward(convolved);
        return nn.functional.silu(normalized);
    }
}
