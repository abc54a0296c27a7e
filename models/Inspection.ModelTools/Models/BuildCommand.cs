using System.CommandLine;
using System.Security.Cryptography;

namespace Inspection.ModelTools.Models;

/// <summary><c>build</c>: writes the edge and cloud models below the output folder, byte-for-byte reproducibly.</summary>
public static class BuildCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "The models folder (edge/ and cloud/ are written below it).", Required = true };
        var uncalibrated = new Option<bool>("--uncalibrated") { Description = "Write scale 1 / bias 0 models whose scores are sigmoid(raw response), for calibration." };
        var command = new Command("build", "Build the edge and cloud models (deterministic: the same bytes on every run).") { output, uncalibrated };
        command.SetAction((parse, _) =>
        {
            foreach (var path in BuildAll(parse.GetValue(output)!.FullName, parse.GetValue(uncalibrated)))
            {
                Console.WriteLine($"{Sha256(path)}  {path} ({new FileInfo(path).Length} bytes)");
            }

            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>Writes every model of <see cref="ModelCatalog"/> below <paramref name="modelsDirectory"/>; returns their paths.</summary>
    public static IReadOnlyList<string> BuildAll(string modelsDirectory, bool uncalibrated = false)
    {
        var paths = new List<string>();
        foreach (var design in ModelCatalog.All)
        {
            var path = Path.Combine(modelsDirectory, design.FileName);
            DetectorModelBuilder.Build(uncalibrated ? design.Uncalibrated() : design).Save(path);
            paths.Add(path);
        }

        return paths;
    }

    /// <summary>Lower-case hex SHA-256 of a file.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
