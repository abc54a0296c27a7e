using static TorchSharp.torch;

namespace Inspection.Trainer.Training;

/// <summary>The loss of one batch: the total (carries the gradient), and the class and box terms as numbers.</summary>
public sealed record LossTerms(Tensor Total, float Class, float Box);
