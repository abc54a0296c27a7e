using System.Text;

namespace Inspection.CloudInference.Escalations;

/// <summary>
/// Text a client sent, made safe to quote in a log line or an error: control characters, quotes and backslashes
/// escaped (a device id with a line break cannot forge a log line, one with a quote cannot end its quotes), and cut to
/// a bounded length (a device id is a string of any size on the wire).
/// </summary>
public static class Printable
{
    /// <summary>How many characters of a sent value are quoted.</summary>
    public const int MaxLength = 80;

    /// <summary><paramref name="value"/> in single quotes, escaped and cut to <see cref="MaxLength"/> characters.</summary>
    public static string Quote(string? value)
    {
        value ??= string.Empty;
        var text = new StringBuilder(Math.Min(value.Length, MaxLength) + 16).Append('\'');
        foreach (var c in value.AsSpan(0, Math.Min(value.Length, MaxLength)))
        {
            _ = c switch
            {
                '\'' or '\\' => text.Append('\\').Append(c),
                _ when char.IsControl(c) || char.IsSurrogate(c) => text.Append($"\\u{(int)c:x4}"),
                _ => text.Append(c),
            };
        }

        text.Append('\'');
        return value.Length > MaxLength ? text.Append($"… ({value.Length} characters)").ToString() : text.ToString();
    }

    /// <summary>The first <paramref name="maxLength"/> characters of <paramref name="value"/>, for a stored field.</summary>
    public static string Cut(string? value, int maxLength) =>
        value is null ? string.Empty : value.Length <= maxLength ? value : value[..maxLength];
}
