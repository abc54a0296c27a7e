using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Inspection.Detection;
using Inspection.ModelTools.Evaluation.Cascade;

namespace Inspection.ModelTools.Evaluation.Parts;

/// <summary>
/// <c>score-parts</c>: scores the part clips that <c>evaluate-map --part-frames</c> saved with the settings of a
/// <c>bands.json</c>, per evaluation folder and as mean and worst against the part targets, without running a model.
/// The frame-level cascade mAP50 with the chosen edge band and the cloud's come from each folder's metrics.json.
/// </summary>
public static class ScorePartsCommand
{
    /// <summary>Share of escalated parts the cloud may leave to a person.</summary>
    public const double MaxLeftToPersonShare = 0.20;

    /// <summary>Escalations per escalated part allowed (tracker splits).</summary>
    public const double MaxEscalationsPerPart = 1.2;

    public static Command Create()
    {
        var bands = new Option<FileInfo>("--bands") { Description = "The bands.json of 'choose-bands'.", Required = true };
        var folders = new Option<DirectoryInfo[]>("--eval") { Description = "Folders of 'evaluate-map --part-frames N' runs.", Required = true, AllowMultipleArgumentsPerToken = true };
        var command = new Command("score-parts", "Score saved part clips with the settings of a bands.json: per line, mean and worst against the part targets.") { bands, folders };
        command.SetAction((parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            try
            {
                var chosen = ChosenBands.Read(parse.GetValue(bands)!.FullName);
                var settings = new PartSettings(
                    new DecisionBand(chosen.EdgeLower, chosen.EdgeUpper), new DecisionBand(chosen.CloudLower, chosen.CloudUpper), chosen.MaxEscalatedFrames, chosen.WholeViewsOnly);
                Run(settings, parse.GetValue(folders)!, stdout);
                return Task.FromResult(0);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or JsonException or InvalidOperationException or KeyNotFoundException or UnauthorizedAccessException)
            {
                parse.InvocationConfiguration.Error.WriteLine($"score-parts: {e.Message}");
                return Task.FromResult(1);
            }
        });
        return command;
    }

    private static void Run(PartSettings settings, IReadOnlyList<DirectoryInfo> folders, TextWriter stdout)
    {
        var c = CultureInfo.InvariantCulture;
        stdout.WriteLine(string.Create(c,
            $"Parts with edge {settings.EdgeBand.Lower:0.00}/{settings.EdgeBand.Upper:0.00}, cloud {settings.CloudBand.Lower:0.00}/{settings.CloudBand.Upper:0.00}, K {settings.MaxEscalatedFrames}, WholeViewsOnly {settings.WholeViewsOnly}:"));
        stdout.WriteLine("line   frames  parts  defective  def-passed  clean-rej  escalated         left-to-person      esc/part  edge-alone-def-passed  cascade-mAP50  cloud-mAP50  share");
        var rows = new List<(PartScore Score, double Cascade, double Cloud)>();
        foreach (var folder in folders)
        {
            var clip = PartClip.FromSaved(SavedPartClip.Read(Path.Combine(folder.FullName, SavedPartClip.FileName)));
            var score = PartScorer.Score(clip, settings);
            using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder.FullName, EvaluationOutput.MetricsFileName)));
            var cloud = metrics.RootElement.GetProperty("reports").GetProperty(CascadeEvaluation.Cloud).GetProperty("map50").GetDouble();
            var point = metrics.RootElement.GetProperty("sweep").EnumerateArray().First(p =>
                Math.Abs(p.GetProperty("lower").GetSingle() - settings.EdgeBand.Lower) < 1e-4 && Math.Abs(p.GetProperty("upper").GetSingle() - settings.EdgeBand.Upper) < 1e-4);
            var cascade = point.GetProperty("map50").GetDouble();
            rows.Add((score, cascade, cloud));
            stdout.WriteLine(string.Create(c,
                $"{clip.LineSeed,4}  {clip.FrameCount,7}  {score.Parts,5}  {score.Defective,9}  {score.Escapes,10}  {score.FalseRejects,9}  {score.Escalated,3} ({score.EscalatedShare,6:P1})  {score.LeftToPerson,3} ({score.LeftToPersonShare,6:P1} of esc.)  {score.EscalationsPerUncertainPart,8:0.00}  {score.EdgeAloneEscapes,21}  {cascade,13:0.000}  {cloud,11:0.000}  {cascade / cloud,5:P1}"));
        }

        var total = rows.Aggregate(PartScore.Zero, (sum, r) => sum.Add(r.Score));
        stdout.WriteLine(string.Create(c,
            $"mean: {rows.Average(r => r.Score.Escapes):0.0} defective passed, {rows.Average(r => r.Score.EscalatedShare):P1} escalated, {rows.Average(r => r.Score.LeftToPersonShare):P1} of escalated left to a person, {rows.Average(r => r.Score.EscalationsPerUncertainPart):0.00} escalations per escalated part, cascade {rows.Average(r => r.Cascade / r.Cloud):P1} of the cloud's mAP50"));
        stdout.WriteLine(string.Create(c,
            $"worst: {rows.Max(r => r.Score.Escapes)} defective passed, {rows.Max(r => r.Score.EscalatedShare):P1} escalated, {rows.Max(r => r.Score.LeftToPersonShare):P1} left to a person, {rows.Max(r => r.Score.EscalationsPerUncertainPart):0.00} escalations per part, cascade {rows.Min(r => r.Cascade / r.Cloud):P1} of the cloud's"));
        stdout.WriteLine(string.Create(c,
            $"all lines together: {total.Parts} parts ({total.Defective} defective), {total.Escapes} defective passed, {total.FalseRejects} clean rejected, {total.Escalated} escalated ({total.EscalatedShare:P1}), {total.LeftToPerson} left to a person ({total.LeftToPersonShare:P1} of escalated), {total.EscalationsPerUncertainPart:0.00} escalations per escalated part, {total.Missed} without an id"));
        stdout.WriteLine("targets (worst line): " + string.Join("; ",
            Target("0 defective parts passed", rows.Max(r => r.Score.Escapes) == 0),
            Target("≤ 10 % parts escalated", rows.Max(r => r.Score.EscalatedShare) <= 0.10 + 1e-12),
            Target("≤ 20 % of escalated left to a person", rows.Max(r => r.Score.LeftToPersonShare) <= MaxLeftToPersonShare + 1e-12),
            Target("≤ 1.2 escalations per uncertain part", rows.Max(r => r.Score.EscalationsPerUncertainPart) <= MaxEscalationsPerPart + 1e-12),
            Target("cascade mAP50 ≥ 98 % of the cloud's", rows.Min(r => r.Cascade / r.Cloud) >= 0.98 - 1e-12)));

        static string Target(string name, bool met) => $"{name}: {(met ? "met" : "MISSED")}";
    }
}
