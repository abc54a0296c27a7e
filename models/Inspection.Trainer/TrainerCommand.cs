using System.CommandLine;
using Inspection.Trainer.Native;
using Inspection.Trainer.Training;
using Microsoft.Extensions.Logging;

namespace Inspection.Trainer;

/// <summary>The command line: <c>train</c>, <c>export</c>, <c>patch-check</c>.</summary>
public static class TrainerCommand
{
    public static RootCommand Create(ILoggerFactory loggers) =>
        new("Trains the project's defect detectors on the synthetic line (TorchSharp, CPU) and exports them to ONNX.")
        {
            TrainCommand.Create(loggers),
            Export.ExportCommand.Create(loggers),
            PatchCheckCommand.Create(loggers),
        };
}
