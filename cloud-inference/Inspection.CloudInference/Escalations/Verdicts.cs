using Inspection.Contracts.V1;
using Inspection.Detection;

namespace Inspection.CloudInference.Escalations;

/// <summary>Names of cloud verdicts as stored and shown, and their mapping to the wire enum.</summary>
public static class Verdicts
{
    public const string Pass = "pass";
    public const string Defect = "defect";
    public const string Uncertain = "uncertain";

    public static string ToName(Decision decision) => decision switch
    {
        Decision.Pass => Pass,
        Decision.Defect => Defect,
        Decision.Uncertain => Uncertain,
        _ => throw new ArgumentOutOfRangeException(nameof(decision), decision, "Unknown decision."),
    };

    public static Decision ToDecision(string name) => name switch
    {
        Pass => Decision.Pass,
        Defect => Decision.Defect,
        Uncertain => Decision.Uncertain,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not a verdict name."),
    };

    public static Verdict ToContract(string name) => name switch
    {
        Pass => Verdict.Pass,
        Defect => Verdict.Defect,
        Uncertain => Verdict.Uncertain,
        _ => Verdict.Unspecified,
    };
}
