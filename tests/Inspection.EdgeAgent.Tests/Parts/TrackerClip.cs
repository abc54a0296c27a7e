using Inspection.EdgeAgent.Inspection;
using Inspection.EdgeAgent.Parts;
using Inspection.EdgeAgent.Tests.TestSupport;
using Inspection.ModelTools.Line;
using Inspection.Tests.Shared;

namespace Inspection.EdgeAgent.Tests.Parts;

/// <summary>
/// One run of the agent in tracker mode over a clip of the synthetic line with the shipped int8 edge model, shared by
/// the tests that read what it left in LiteDB (the model's inference is what makes a run take seconds).
/// </summary>
public sealed class TrackerClip : IDisposable
{
    /// <summary>Three parts cross the frame and leave it in this many frames of the line's first seconds.</summary>
    public const int Frames = 300;

    public const int Seed = 3;

    private readonly TempDirectory _temp = new();
    private readonly ActiveModel _model;

    public TrackerClip()
    {
        _model = EdgeModel(_temp);
        Pipeline = new PartPipeline(_temp.File("edge.db"), _model, new PartsOptions { Source = PartsOptions.Tracker });
        using var line = new SyntheticLine(Seed);
        for (var index = 0; index < Frames; index++)
        {
            using var rendered = line.Render(index);
            Outcomes.Add(Pipeline.Inspector.Inspect(rendered.Frame, Pipeline.Time.GetUtcNow())!);
            Pipeline.Time.Advance(TimeSpan.FromMilliseconds(66));
        }
    }

    internal PartPipeline Pipeline { get; }

    internal List<InspectionOutcome> Outcomes { get; } = [];

    internal List<PartOutcome> ClosedParts => Outcomes.SelectMany(o => o.ClosedParts!).ToList();

    /// <summary>
    /// The shipped int8 edge model with a band wider at the top than the shipped one (0.25–0.95): on this clip it
    /// leaves one part passed, one rejected and one uncertain (with 0.85 no part of these frames stays uncertain).
    /// </summary>
    internal static ActiveModel EdgeModel(TempDirectory temp) =>
        TestModels.Active(RepositoryRoot.Combine("models", "edge", "inspection-edge.onnx"), temp.Folder("models"), new DecisionOptions { Lower = 0.25f, Upper = 0.95f });

    public void Dispose()
    {
        Pipeline.Dispose();
        _model.Dispose();
        _temp.Dispose();
    }
}
