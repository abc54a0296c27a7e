using System.Globalization;
using Inspection.Trainer.Native;

namespace Inspection.Trainer.Training;

/// <summary>
/// The training loss became NaN or infinite. The message names the likely causes in the order that fits the step
/// it happened at, with the settings in force, so the user can act on it: in the first steps (learning rate still
/// warming up) the processor's kernels and the start weights come before the learning rate.
/// </summary>
public sealed class NonFiniteLossException : Exception
{
    public NonFiniteLossException()
    {
    }

    public NonFiniteLossException(string message)
        : base(message)
    {
    }

    public NonFiniteLossException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Steps during which a too-high learning rate is an unlikely cause (it is still warming up from near zero).</summary>
    public const int EarlySteps = 10;

    public static NonFiniteLossException At(float loss, int step, double learningRate, TrainSettings settings, string oneDnnSetting)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var kernels = $"the processor's math kernels: libtorch's oneDNN runs with {oneDnnSetting}; its AVX-512 kernels gave NaN " +
                      $"on some AMD EPYC processors — run with {OneDnnIsaLimit.Variable}={OneDnnIsaLimit.Limit} (the trainer's default) " +
                      "or another value oneDNN accepts, and compare";
        var weights = settings.InitWeights is { } init
            ? $"the start weights '{init}' (--init-weights): trained with other settings, or already broken — check its run's loss.csv"
            : "the data: a frame or target with NaN (the synthetic line and its seed, --seed " + settings.Seed.ToString(CultureInfo.InvariantCulture) + ")";
        var rate = string.Create(
            CultureInfo.InvariantCulture,
            $"the learning rate: {learningRate:G4} at this step (peak --lr {settings.LearningRate:G4}); lower --lr");
        string[] causes = step <= EarlySteps ? [kernels, weights, rate] : [rate, kernels, weights];
        var list = string.Join("; ", causes.Select((c, i) => $"({i + 1}) {c}"));
        return new NonFiniteLossException(
            string.Create(CultureInfo.InvariantCulture, $"The loss became {loss} at step {step}. Likely causes, most likely first: {list}."));
    }
}
