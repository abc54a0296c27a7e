using System.CommandLine;

namespace Inspection.ModelTools.Line;

/// <summary>The <c>--variant</c> option of the commands that render the synthetic line.</summary>
public static class LineVariantOption
{
    public static Option<LineVariant> Create(string? description = null)
    {
        var option = new Option<LineVariant>("--variant")
        {
            Description = description
                ?? "The part the line carries: a (the original light-grey plates the shipped models were trained on) or b (darker blue-anodised plates with a strong brushed finish).",
            DefaultValueFactory = _ => LineVariant.A,
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[^1].Value;
                if (Enum.TryParse<LineVariant>(text, ignoreCase: true, out var variant) && Enum.IsDefined(variant) && !int.TryParse(text, out _))
                {
                    return variant;
                }

                result.AddError($"--variant must be a or b (the part on the line), got '{text}'.");
                return LineVariant.A;
            },
        };
        return option;
    }

    /// <summary>The variant as the command line writes it (<c>a</c>, <c>b</c>).</summary>
    public static string Name(LineVariant variant) => variant.ToString().ToLowerInvariant();
}
