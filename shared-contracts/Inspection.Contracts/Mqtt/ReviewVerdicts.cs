namespace Inspection.Contracts.Mqtt;

/// <summary>The values of <see cref="ReviewVerdict.Verdict"/> and <see cref="ReviewVerdict.Action"/>, and where a recorded final verdict came from.</summary>
public static class ReviewVerdicts
{
    /// <summary>Not a defect: the reviewer rejected the detection.</summary>
    public const string Pass = "pass";

    /// <summary>A defect: the reviewer accepted the detection or fixed its boxes.</summary>
    public const string Defect = "defect";

    /// <summary>The source a device records for a final verdict that came from a person's review.</summary>
    public const string ReviewSource = "review";

    /// <summary>Every verdict a <see cref="ReviewVerdict"/> may carry.</summary>
    public static readonly IReadOnlyList<string> Verdicts = [Pass, Defect];

    /// <summary>Every review action, each with the verdict it gives.</summary>
    public static readonly IReadOnlyDictionary<string, string> Actions = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["accept"] = Defect,
        ["fix"] = Defect,
        ["reject"] = Pass,
    };
}
