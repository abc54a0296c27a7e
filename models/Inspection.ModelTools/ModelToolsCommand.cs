using System.CommandLine;
using Inspection.ModelTools.Bench;
using Inspection.ModelTools.Dataset;
using Inspection.ModelTools.Evaluation;
using Inspection.ModelTools.Line;

namespace Inspection.ModelTools;

/// <summary>The command line: <c>line</c>, <c>dataset</c>, <c>evaluate</c>, <c>evaluate-map</c>, <c>bench</c>, <c>build-timing</c>, <c>dynamic-batch</c>, <c>quantize</c>, <c>keygen</c>, <c>pack</c>, <c>pack-agent</c>, <c>review-set</c>, <c>loop-eval</c>, <c>review-from-truth</c>.</summary>
public static class ModelToolsCommand
{
    public static RootCommand Create() =>
        new("Model tooling: the synthetic production line, the project's ONNX models, and their evaluation.")
        {
            LineCommand.Create(),
            DatasetCommand.Create(),
            EvaluateCommand.Create(),
            Evaluation.Cascade.EvaluateMapCommand.Create(),
            Evaluation.Parts.ChooseBandsCommand.Create(),
            Evaluation.Parts.ScorePartsCommand.Create(),
            BenchCommand.Create(),
            Quantization.QuantizeCommand.Create(),
            Timing.BuildTimingCommand.Create(),
            Batching.DynamicBatchCommand.Create(),
            Packaging.KeygenCommand.Create(),
            Packaging.PackCommand.Create(),
            Packaging.PackAgentCommand.Create(),
            Evaluation.Loop.ReviewSetCommand.Create(),
            Evaluation.Loop.LoopEvalCommand.Create(),
            Review.ReviewFromTruthCommand.Create(),
        };
}
