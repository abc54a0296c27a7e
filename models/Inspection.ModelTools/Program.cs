using System.CommandLine;
using Inspection.ModelTools.Evaluation;
using Inspection.ModelTools.Line;
using Inspection.ModelTools.Models;

var root = new RootCommand("Model tooling: the synthetic production line, the project's ONNX models, and their evaluation.")
{
    LineCommand.Create(),
    BuildCommand.Create(),
    EvaluateCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
