using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace Inspection.OperatorCli;

/// <summary>
/// Numeric options checked as they are parsed, so that a value out of range and one that is no number both end as a
/// parse error (exit code 2). A validator would also run after a failed conversion and throw reading the value.
/// </summary>
public static class NumberOption
{
    /// <summary>An option that may be left out (null).</summary>
    public static Option<T?> Optional<T>(string name, string description, Func<T, bool> valid, string expected)
        where T : struct, INumber<T> => new(name)
        {
            Description = description,
            CustomParser = result => Parse(result, name, valid, expected),
        };

    /// <summary>An option with a default, used when it is left out.</summary>
    public static Option<T> WithDefault<T>(string name, string description, T defaultValue, Func<T, bool> valid, string expected)
        where T : struct, INumber<T> => new(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result => Parse(result, name, valid, expected) ?? defaultValue,
        };

    private static T? Parse<T>(ArgumentResult result, string name, Func<T, bool> valid, string expected)
        where T : struct, INumber<T>
    {
        var token = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Join(' ', result.Tokens.Select(t => t.Value));
        if (!T.TryParse(token, CultureInfo.InvariantCulture, out var value) || !T.IsFinite(value))
        {
            result.AddError($"{name}: '{token}' is not a number.");
            return null;
        }

        if (!valid(value))
        {
            result.AddError($"{name} must be {expected}.");
            return null;
        }

        return value;
    }
}
