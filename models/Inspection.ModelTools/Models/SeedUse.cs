using System.Globalization;
using Inspection.ModelTools.Dataset;

namespace Inspection.ModelTools.Models;

/// <summary>
/// The one place that knows which synthetic lines the shipped models have seen. Two seed spaces meet here:
/// <list type="bullet">
/// <item>the trainer's <c>--seed</c> (rebuild.sh gives 1): training lines <c>seed × 1000 + 0…63</c>, validation
/// lines <c>seed × 1000 + 500…507</c>; <c>quantize --calib-seed</c> calibrates on the same training lines;</item>
/// <item>the dataset seed of <c>dataset</c> and <c>evaluate-map --seed</c>: its train/val/test splits are lines
/// <c>seed × 3 + 0/1/2</c> (see <see cref="DatasetExporter.LineSeedFor"/>); <c>evaluate-map</c> renders only the test line.</item>
/// </list>
/// So <c>evaluate-map --seed 333…353</c> lands on training lines 1001…1061 and <c>--seed 500</c>/<c>501</c> on validation
/// lines 1502/1505: figures on them flatter the models, which is why the evaluation commands refuse them.
/// </summary>
public static class SeedUse
{
    /// <summary>The trainer's <c>--seed</c> the shipped edge and cloud models were trained with (models/rebuild.sh).</summary>
    public const int ShippedTrainerSeed = 1;

    /// <summary>Training lines per trainer seed: <c>seed × 1000 + 0…63</c>.</summary>
    public const int TrainingLineCount = 64;

    /// <summary>Offset of the first validation line from <c>seed × 1000</c>.</summary>
    public const int ValidationLineOffset = 500;

    /// <summary>Validation lines per trainer seed: <c>seed × 1000 + 500…507</c>.</summary>
    public const int ValidationLineCount = 8;

    /// <summary>
    /// Dataset seed whose test split the model card reported frame figures on and the band shipped before part-level
    /// inspection was chosen on (line 5); the shipped bands are now chosen on <see cref="BandChoiceLines"/>.
    /// </summary>
    public const int ReportedTestDatasetSeed = 1;

    /// <summary>Dataset seed whose test split the shipped NMS overlap (<see cref="ShippedModels.NmsIou"/>) was chosen on (line 8).</summary>
    public const int NmsChoiceDatasetSeed = 2;

    /// <summary>
    /// Dataset seeds reserved for unseen-seed evaluation (test lines 2705, 2708, 2711, 2714, 2717): nothing was trained,
    /// validated, calibrated, tuned or chosen on any of their lines. Report test figures as mean and worst over them.
    /// </summary>
    public static IReadOnlyList<int> UnseenDatasetSeeds { get; } = [901, 902, 903, 904, 905];

    /// <summary>
    /// Dataset seeds whose test lines (2405, 2408, 2411) the closed loop's settings (the amount of reviewed data, the
    /// fine-tune's steps and review share) are chosen on, in both part variants: nothing is trained on them, and no
    /// figure is reported on them. <c>loop-eval</c> takes them besides <see cref="UnseenDatasetSeeds"/>.
    /// </summary>
    public static IReadOnlyList<int> LoopValidationDatasetSeeds { get; } = [801, 802, 803];

    /// <summary>Test lines of <see cref="UnseenDatasetSeeds"/>, for commands that take line seeds (<c>evaluate --seeds</c>).</summary>
    public static IReadOnlyList<int> UnseenLineSeeds { get; } = [.. UnseenDatasetSeeds.Select(s => DatasetExporter.LineSeedFor(s, DatasetSplit.Test))];

    /// <summary>
    /// The lines <c>choose-bands</c> chooses the shipped edge and cloud bands, K and the whole-view rule on: the
    /// validation lines of the shipped trainer seed (1500–1507). The models were checked on them while training but
    /// never fitted to them, and no test or reserved line is touched by a choice.
    /// </summary>
    public static IReadOnlyList<int> BandChoiceLines { get; } = ValidationLinesFor(ShippedTrainerSeed);

    /// <summary>
    /// Why settings must not be chosen on line <paramref name="lineSeed"/> for models trained with trainer seed
    /// <paramref name="trainerSeed"/>, or null when it is one of that run's validation lines (for the shipped models:
    /// <see cref="BandChoiceLines"/>).
    /// </summary>
    public static string? ChoiceRefusal(int lineSeed, int trainerSeed = ShippedTrainerSeed)
    {
        var use = UseOf(lineSeed);
        if (use is LineUse.Test or LineUse.Reserved)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"line {lineSeed} is a test line (figures are reported on it); settings chosen on it would make those figures flatter the cascade");
        }

        if (ValidationLinesFor(trainerSeed).Contains(lineSeed))
        {
            return null;
        }

        return TrainingLinesFor(trainerSeed).Contains(lineSeed) || use == LineUse.Training
            ? string.Create(CultureInfo.InvariantCulture,
                $"line {lineSeed} is one of the lines the models were trained on; settings chosen on it would fit the training")
            : string.Create(CultureInfo.InvariantCulture,
                $"line {lineSeed} is not one of the validation lines set aside for choosing ({Join(ValidationLinesFor(trainerSeed))}, trainer --seed {trainerSeed})");
    }

    /// <summary>Line seeds a training run with trainer seed <paramref name="trainerSeed"/> trains on.</summary>
    public static IReadOnlyList<int> TrainingLinesFor(int trainerSeed) =>
        [.. Enumerable.Range(0, TrainingLineCount).Select(i => unchecked((trainerSeed * 1000) + i))];

    /// <summary>Line seeds a training run with trainer seed <paramref name="trainerSeed"/> validates on, disjoint from its training lines.</summary>
    public static IReadOnlyList<int> ValidationLinesFor(int trainerSeed) =>
        [.. Enumerable.Range(ValidationLineOffset, ValidationLineCount).Select(i => unchecked((trainerSeed * 1000) + i))];

    /// <summary>What the line <paramref name="lineSeed"/> was used for in building the shipped models.</summary>
    public static LineUse UseOf(int lineSeed)
    {
        if (TrainingLinesFor(ShippedTrainerSeed).Contains(lineSeed))
        {
            return LineUse.Training;
        }

        if (ValidationLinesFor(ShippedTrainerSeed).Contains(lineSeed))
        {
            return LineUse.Validation;
        }

        if (lineSeed == TestLineOf(ReportedTestDatasetSeed) || lineSeed == TestLineOf(NmsChoiceDatasetSeed))
        {
            return LineUse.Test;
        }

        return UnseenLineSeeds.Contains(lineSeed) ? LineUse.Reserved : LineUse.None;
    }

    /// <summary>
    /// Why evaluating on line <paramref name="lineSeed"/> flatters the shipped models (it is one of their training or
    /// validation lines), or null when it is not one of them.
    /// </summary>
    public static string? SeenBecause(int lineSeed)
    {
        var training = TrainingLinesFor(ShippedTrainerSeed);
        var validation = ValidationLinesFor(ShippedTrainerSeed);
        return UseOf(lineSeed) switch
        {
            LineUse.Training => string.Create(CultureInfo.InvariantCulture,
                $"line {lineSeed} is one of the {TrainingLineCount} lines the shipped models were trained on (lines {training[0]}–{training[^1]}, trainer --seed {ShippedTrainerSeed}; the int8 ranges were calibrated on them too)"),
            LineUse.Validation => string.Create(CultureInfo.InvariantCulture,
                $"line {lineSeed} is one of the {ValidationLineCount} lines the shipped models were validated on while training (lines {validation[0]}–{validation[^1]}, trainer --seed {ShippedTrainerSeed})"),
            _ => null,
        };
    }

    /// <summary>
    /// A note for a line on which a shipped setting was chosen (figures on it are not unseen-seed figures), or null.
    /// </summary>
    public static string? ChosenOnNote(int lineSeed) =>
        lineSeed == TestLineOf(ReportedTestDatasetSeed)
            ? string.Create(CultureInfo.InvariantCulture,
                $"line {lineSeed} is the test split of dataset seed {ReportedTestDatasetSeed}, the one the earlier band was chosen on; for unseen-seed figures use dataset seeds {Join(UnseenDatasetSeeds)}")
            : lineSeed == TestLineOf(NmsChoiceDatasetSeed)
                ? string.Create(CultureInfo.InvariantCulture,
                    $"line {lineSeed} is the test split of dataset seed {NmsChoiceDatasetSeed}, the one the shipped NMS overlap was chosen on; for unseen-seed figures use dataset seeds {Join(UnseenDatasetSeeds)}")
                : null;

    /// <summary>The seeds as a space-separated list, ready to paste after <c>--seed</c>/<c>--seeds</c>.</summary>
    public static string Join(IEnumerable<int> seeds) => string.Join(' ', seeds.Select(s => s.ToString(CultureInfo.InvariantCulture)));

    private static int TestLineOf(int datasetSeed) => DatasetExporter.LineSeedFor(datasetSeed, DatasetSplit.Test);
}
