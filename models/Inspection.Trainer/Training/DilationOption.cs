using System.CommandLine;

namespace Inspection.Trainer.Training;

/// <summary>The <c>--dilations</c> option shared by <c>train</c> and <c>export</c>: one dilation per conv stage.</summary>
public static class DilationOption
{
    public static Option<int[]> Create(string description) =>
        new Option<int[]>("--dilations")
        {
            Description = description,
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [.. Enumerable.Repeat(1, DetectorNet.StageCount)],
            Validators =
            {
                result =>
                {
                    var value = result.GetValueOrDefault<int[]>() ?? [];
                    if (value.Length != DetectorNet.StageCount || value.Any(d => d < 1 || d > DetectorNet.MaxDilation))
                    {
                        result.AddError(
                            $"--dilations takes {DetectorNet.StageCount} numbers between 1 and {DetectorNet.MaxDilation} (one per stage), got [{string.Join(" ", value)}].");
                    }
                },
            },
        };
}
