namespace Inspection.Trainer.Training;

/// <summary>What a training run reached; written to <c>training.json</c>.</summary>
public sealed record TrainingSummary(
    TrainSettings Settings,
    long Parameters,
    double TrainingSeconds,
    double MillisecondsPerStep,
    float FirstLoss,
    float LastLoss,
    float OnnxMaxAbsDifference,
    int ValidationFrames,
    int ValidationDefects,
    int Detections,
    int TruePositives,
    double Recall,
    double Precision,
    string OnnxPath,
    string WeightsPath);
