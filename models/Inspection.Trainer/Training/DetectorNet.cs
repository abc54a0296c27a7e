using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Inspection.Trainer.Training;

/// <summary>
/// A small anchor-free single-scale detector: seven conv-BN-SiLU stages down to stride 8, then a 1×1 head giving,
/// per cell, four box distances (left, top, right, bottom from the cell centre, in strides, through softplus) and
/// one logit per class. Stride 8 because the defects are 2–20 px at 320: a coarser grid would merge neighbours.
/// </summary>
public sealed class DetectorNet : nn.Module<Tensor, Tensor>
{
    /// <summary>The output stride (input pixels per grid cell).</summary>
    public const int Stride = 8;

    // Channels and strides of the seven stages at width multiplier 1 (≈ 210 k parameters).
    private static readonly int[] BaseChannels = [16, 32, 32, 64, 64, 96, 96];
    private static readonly int[] Strides = [2, 2, 1, 2, 1, 1, 1];

    // Initial class bias: sigmoid(-4.6) ≈ 0.01, the prior share of positive cells, so early loss is not swamped by negatives.
    private const double ClassPriorBias = -4.6;

    private readonly ModuleList<ConvBlock> _blocks;
    private readonly Conv2d _head;

    /// <summary>The number of conv stages (and of entries in a dilation list).</summary>
    public static int StageCount => BaseChannels.Length;

    /// <summary>The largest dilation a stage may use.</summary>
    public const int MaxDilation = 8;

    /// <param name="classCount">Classes the head scores.</param>
    /// <param name="widthMultiplier">Scales every stage's channels.</param>
    /// <param name="dilations">
    /// One per stage (null: all 1). Dilating the last stride-1 stages widens what each cell sees (the receptive
    /// field) without adding weights or work: at 640 a long scratch or a branched crack is wider than the plain
    /// stages' 71 px.
    /// </param>
    /// <param name="residual">
    /// Add each stride-1 stage's input to its output where the channels match (stages 2, 4 and 6): the stage learns a
    /// correction to what it is given. Costs one addition per stage, no weights.
    /// </param>
    public DetectorNet(int classCount, double widthMultiplier = 1.0, IReadOnlyList<int>? dilations = null, bool residual = false)
        : base("detector")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        dilations ??= [.. Enumerable.Repeat(1, StageCount)];
        if (dilations.Count != StageCount || dilations.Any(d => d < 1 || d > MaxDilation))
        {
            throw new ArgumentOutOfRangeException(
                nameof(dilations), $"Give {StageCount} dilations between 1 and {MaxDilation}, got [{string.Join(", ", dilations)}].");
        }

        if (!(widthMultiplier >= 0.25 && widthMultiplier <= 4))
        {
            throw new ArgumentOutOfRangeException(nameof(widthMultiplier), $"The width multiplier must be between 0.25 and 4, got {widthMultiplier}.");
        }

        ClassCount = classCount;
        WidthMultiplier = widthMultiplier;
        Dilations = [.. dilations];
        var blocks = new List<ConvBlock>();
        var residualStages = new List<bool>();
        var inChannels = 3;
        for (var i = 0; i < BaseChannels.Length; i++)
        {
            var outChannels = Math.Max(8, (int)Math.Round(BaseChannels[i] * widthMultiplier / 8) * 8);
            blocks.Add(new ConvBlock($"block{i}", inChannels, outChannels, 3, Strides[i], dilations[i]));
            residualStages.Add(residual && Strides[i] == 1 && inChannels == outChannels);
            inChannels = outChannels;
        }

        _blocks = nn.ModuleList(blocks.ToArray());
        Residual = residual;
        _residualStages = [.. residualStages];
        _head = nn.Conv2d(inChannels, 4 + classCount, 1, bias: true);
        using (no_grad())
        {
            _head.bias!.narrow(0, 4, classCount).fill_(ClassPriorBias);
        }

        RegisterComponents();
    }

    private readonly bool[] _residualStages;

    public int ClassCount { get; }

    /// <summary>Whether stride-1 stages with matching channels add their input to their output.</summary>
    public bool Residual { get; }

    /// <summary>Whether <paramref name="stage"/> adds its input to its output.</summary>
    public bool IsResidual(int stage) => _residualStages[stage];

    public double WidthMultiplier { get; }

    public IReadOnlyList<int> Dilations { get; }

    /// <summary>Input pixels one output cell sees along each axis.</summary>
    public int ReceptiveField
    {
        get
        {
            var (seen, jump) = (1, 1);
            for (var i = 0; i < StageCount; i++)
            {
                seen += 2 * Dilations[i] * jump;
                jump *= Strides[i];
            }

            return seen;
        }
    }

    public IReadOnlyList<ConvBlock> Blocks => [.. _blocks];

    public Conv2d Head => _head;

    /// <summary>The int8 scales of every conv input while int8 is simulated (stages, then the head); null otherwise.</summary>
    public IReadOnlyList<float>? Int8InputScales { get; private set; }

    /// <summary>
    /// Simulates the int8 export in <see cref="forward"/> (quantization-aware training): one symmetric int8 scale per
    /// conv input, the image first, then each stage's output (the last one feeds the head). Null turns it off.
    /// A residual stage adds its input as the int8 model does: the quantized one its conv reads, since
    /// <c>quantize</c> places one QuantizeLinear/DequantizeLinear pair on a tensor and every reader takes its output.
    /// </summary>
    public void SimulateInt8(IReadOnlyList<float>? inputScales)
    {
        if (inputScales is not null && (inputScales.Count != StageCount + 1 || inputScales.Any(s => !(s > 0) || !float.IsFinite(s))))
        {
            throw new ArgumentException($"Give {StageCount + 1} positive scales (the image, then each stage's output), got {inputScales.Count}.", nameof(inputScales));
        }

        Int8InputScales = inputScales is null ? null : [.. inputScales];
    }

    /// <summary>Raw head output [B, 4 + nc, H, W]: four box logits, then class logits.</summary>
    public override Tensor forward(Tensor input)
    {
        if (Int8InputScales is { } scales)
        {
            return ForwardInt8Simulated(input, scales);
        }

        var x = input;
        for (var i = 0; i < _blocks.Count; i++)
        {
            var next = _blocks[i].forward(x);
            if (_residualStages[i])
            {
                var sum = next + x;
                next.Dispose();
                next = sum;
            }

            if (!ReferenceEquals(x, input))
            {
                x.Dispose();
            }

            x = next;
        }

        var output = _head.forward(x);
        x.Dispose();
        return output;
    }

    private Tensor ForwardInt8Simulated(Tensor input, IReadOnlyList<float> scales)
    {
        using var scope = NewDisposeScope();
        var x = input;
        for (var i = 0; i < _blocks.Count; i++)
        {
            var quantized = FakeQuant.Activations(x, scales[i]);
            x = _blocks[i].ForwardInt8Simulated(quantized, scales[i]);
            if (_residualStages[i])
            {
                x = x + quantized;
            }
        }

        var (weight, bias) = FakeQuant.Conv(_head.weight!, _head.bias, scales[StageCount]);
        var output = nn.functional.conv2d(FakeQuant.Activations(x, scales[StageCount]), weight, bias);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>Box distances left, top, right, bottom in input pixels [B, 4, H, W] from the raw head output.</summary>
    public static Tensor Distances(Tensor raw) => nn.functional.softplus(raw.narrow(1, 0, 4)) * Stride;

    /// <summary>Cell-centre x and y in input pixels, each [1, 1, H, W].</summary>
    public static (Tensor X, Tensor Y) CellCentres(long height, long width)
    {
        var ys = (arange(height, dtype: float32) + 0.5f) * Stride;
        var xs = (arange(width, dtype: float32) + 0.5f) * Stride;
        return (xs.view(1, 1, 1, width).expand(1, 1, height, width), ys.view(1, 1, height, 1).expand(1, 1, height, width));
    }

    /// <summary>
    /// The Ultralytics YOLOv8 layout [B, 4 + nc, H·W] the ONNX export produces: cx, cy, w, h in input pixels, then
    /// sigmoid class scores; cells row-major. The exported graph computes exactly this.
    /// </summary>
    public static Tensor ToYoloLayout(Tensor raw, int classCount)
    {
        using var scope = NewDisposeScope();
        var (batch, height, width) = (raw.shape[0], raw.shape[2], raw.shape[3]);
        var d = Distances(raw);
        var (cx0, cy0) = CellCentres(height, width);
        var (l, t, r, b) = (d.narrow(1, 0, 1), d.narrow(1, 1, 1), d.narrow(1, 2, 1), d.narrow(1, 3, 1));
        var cx = cx0 + ((r - l) * 0.5f);
        var cy = cy0 + ((b - t) * 0.5f);
        var scores = raw.narrow(1, 4, classCount).sigmoid();
        var all = cat([cx, cy, l + r, t + b, scores], 1);
        return all.reshape(batch, 4 + classCount, height * width).MoveToOuterDisposeScope();
    }
}
