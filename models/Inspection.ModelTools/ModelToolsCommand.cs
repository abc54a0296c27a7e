using System.CommandLine;
using Inspection.ModelTools.Bench;
using Inspection.ModelTools.Dataset;
using Inspection.ModelTools.Evaluation;
using Inspection.ModelTools.Line;
using Inspection.ModelTools.Models;

namespace Inspection.ModelTools;

/// <summary>The command line: <c>line</c>, <c>dataset</c>, <c>build</c>, <c>evaluate</c>, <c>evaluate-map</c>, <c>bench</c>.</summary>
public static class ModelToolsCommand
{
    public static RootCommand Create() =>
        new("Model tooling: the synthetic production line, the project's ONNX models, and their evaluation.")
        {
            LineCommand.Create(),
            DatasetCommand.Create(),
            BuildCommand.Create(),
            EvaluateCommand.Create(),
            Evaluation.Cascade.EvaluateMapCommand.Create(),
            BenchCommand.Create(),
        };
}
