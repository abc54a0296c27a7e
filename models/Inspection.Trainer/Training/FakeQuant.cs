using static TorchSharp.torch;

namespace Inspection.Trainer.Training;

/// <summary>
/// Simulated int8 for quantization-aware training, matching what <c>quantize</c> writes: activations on a
/// symmetric per-tensor grid (zero point 0, saturating to −128…127), weights on a symmetric grid per output channel
/// (scale max|w| / 127). Rounding is half to even, as in ONNX Runtime's QuantizeLinear. The gradient passes straight
/// through the rounding, so the float weights learn to sit well on the grid.
/// </summary>
public static class FakeQuant
{
    public static Tensor Activations(Tensor x, float scale)
    {
        ArgumentNullException.ThrowIfNull(x);
        var q = (x / scale).round().clamp(-128, 127) * scale;
        return x + (q - x).detach();
    }

    /// <summary>
    /// A conv's weight [out, in, kh, kw] on its per-output-channel int8 grid and its bias on the int32 grid of
    /// input scale × weight scale, as the int8 model stores them.
    /// </summary>
    public static (Tensor Weight, Tensor? Bias) Conv(Tensor weight, Tensor? bias, float inputScale)
    {
        ArgumentNullException.ThrowIfNull(weight);
        var scale = (weight.detach().abs().amax([1, 2, 3], keepdim: true) / 127).clamp_min(1e-12);
        var q = (weight / scale).round().clamp(-127, 127) * scale;
        var simulatedWeight = weight + (q - weight).detach();
        if (bias is null)
        {
            return (simulatedWeight, null);
        }

        var biasScale = scale.view(-1) * inputScale;
        var qb = (bias / biasScale).round() * biasScale;
        return (simulatedWeight, bias + (qb - bias).detach());
    }
}
