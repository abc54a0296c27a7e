using System.Globalization;
using System.Text.RegularExpressions;

namespace Inspection.EdgeAgent.Tests.TestSupport;

/// <summary>The shipped systemd unit (deploy/jetson), read as systemd reads its settings: the last assignment wins.</summary>
internal static partial class SystemdUnit
{
    public const string FileName = "inspection-edge-agent.service";

    public static string ShippedPath => RepositoryRoot.Combine("deploy", "jetson", FileName);

    /// <summary>The value of <paramref name="key"/> in the unit; fails the test when the unit does not set it.</summary>
    public static string Value(string key)
    {
        string? value = null;
        foreach (var raw in File.ReadLines(ShippedPath))
        {
            var line = raw.Trim();
            if (line.StartsWith(key + "=", StringComparison.Ordinal))
            {
                value = line[(key.Length + 1)..].Trim();
            }
        }

        return value ?? throw new InvalidOperationException($"{ShippedPath} sets no {key}=.");
    }

    /// <summary>A time span setting (<c>TimeoutStopSec=20s</c>, <c>1min 30s</c>, a bare number of seconds).</summary>
    public static TimeSpan TimeSpanOf(string key)
    {
        var text = Value(key);
        var total = TimeSpan.Zero;
        var matches = TimeSpanPart().Matches(text);
        if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)).Replace(" ", "", StringComparison.Ordinal) != text.Replace(" ", "", StringComparison.Ordinal))
        {
            throw new FormatException($"{key}={text} in {ShippedPath} is not a time span this test reads.");
        }

        foreach (Match match in matches)
        {
            var number = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
            total += match.Groups["u"].Value switch
            {
                "" or "s" or "sec" => TimeSpan.FromSeconds(number),
                "ms" or "msec" => TimeSpan.FromMilliseconds(number),
                "us" or "usec" => TimeSpan.FromMicroseconds(number),
                "m" or "min" => TimeSpan.FromMinutes(number),
                "h" or "hr" => TimeSpan.FromHours(number),
                var unit => throw new FormatException($"{key}={text}: unit '{unit}' is not one this test reads."),
            };
        }

        return total;
    }

    [GeneratedRegex(@"\s*(?<n>[0-9]+(\.[0-9]+)?)\s*(?<u>[a-z]*)")]
    private static partial Regex TimeSpanPart();
}
