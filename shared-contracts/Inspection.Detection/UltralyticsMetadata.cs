using System.Globalization;
using System.Text;

namespace Inspection.Detection;

/// <summary>
/// The custom metadata an Ultralytics export writes into the ONNX file, parsed. Every field is null when
/// the key is absent, so the caller decides the fallback (input shape, file name, generated names).
/// </summary>
/// <param name="Names">Class names by id (<c>names</c>: a Python dict literal such as <c>{0: 'scratch', 1: 'dent'}</c>, JSON, or a list).</param>
/// <param name="ImageHeight">Input height (<c>imgsz</c>: <c>[h, w]</c> or one int for a square input).</param>
/// <param name="ImageWidth">Input width.</param>
/// <param name="Stride">Largest network stride (<c>stride</c>).</param>
/// <param name="Task">Ultralytics task (<c>task</c>), e.g. <c>detect</c>.</param>
/// <param name="Description">Free text (<c>description</c>), used as the model name.</param>
/// <param name="Version">Model version (<c>version</c>).</param>
/// <param name="EndToEnd">Whether the export has NMS built in (<c>end2end</c>), which decides an otherwise ambiguous output layout.</param>
public sealed record UltralyticsMetadata(
    IReadOnlyList<string>? Names,
    int? ImageHeight,
    int? ImageWidth,
    int? Stride,
    string? Task,
    string? Description,
    string? Version,
    bool? EndToEnd)
{
    /// <summary>
    /// Parses the keys this system uses from an ONNX custom metadata map. Throws <see cref="FormatException"/>
    /// naming the key when a present value cannot be read.
    /// </summary>
    public static UltralyticsMetadata Parse(IReadOnlyDictionary<string, string> custom)
    {
        ArgumentNullException.ThrowIfNull(custom);
        var names = Get(custom, "names") is { } namesText ? Wrap("names", namesText, ParseNames) : null;
        (int Height, int Width)? size = Get(custom, "imgsz") is { } sizeText ? Wrap("imgsz", sizeText, ParseImageSize) : null;
        int? stride = Get(custom, "stride") is { } strideText ? Wrap("stride", strideText, ParseStride) : null;
        bool? endToEnd = Get(custom, "end2end") is { } e2eText ? Wrap("end2end", e2eText, ParseBool) : null;
        return new UltralyticsMetadata(
            names,
            size?.Height,
            size?.Width,
            stride,
            NullIfBlank(Get(custom, "task")),
            NullIfBlank(Get(custom, "description")),
            NullIfBlank(Get(custom, "version")),
            endToEnd);
    }

    /// <summary>
    /// Parses class names: a Python dict literal (<c>{0: 'scratch', 1: "dent's"}</c>), a JSON object
    /// (<c>{"0": "scratch"}</c>) or a list (<c>['scratch', 'dent']</c>). Ids must run 0..n-1 without gaps.
    /// </summary>
    public static IReadOnlyList<string> ParseNames(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var reader = new LiteralReader(text);
        reader.SkipWhitespace();
        var names = new SortedDictionary<int, string>();
        if (reader.TryConsume('['))
        {
            var id = 0;
            while (!reader.TryConsumeClosing(']'))
            {
                names[id++] = reader.ReadString();
                reader.ConsumeSeparator(']');
            }
        }
        else if (reader.TryConsume('{'))
        {
            while (!reader.TryConsumeClosing('}'))
            {
                var id = reader.ReadClassId();
                reader.Expect(':');
                var name = reader.ReadString();
                if (!names.TryAdd(id, name))
                {
                    throw new FormatException($"class id {id} appears twice");
                }

                reader.ConsumeSeparator('}');
            }
        }
        else
        {
            throw new FormatException($"expected a dict like {{0: 'scratch', 1: 'dent'}} or a list, got \"{Shorten(text)}\"");
        }

        reader.ExpectEnd();
        if (names.Count == 0)
        {
            throw new FormatException("the model names no classes");
        }

        var result = new string[names.Count];
        var expected = 0;
        foreach (var (id, name) in names)
        {
            if (id != expected)
            {
                throw new FormatException($"class ids must run from 0 to {names.Count - 1} without gaps, but id {expected} is missing");
            }

            result[expected++] = name;
        }

        return result;
    }

    /// <summary>Parses <c>imgsz</c>: <c>[h, w]</c>, <c>(h, w)</c>, <c>[s]</c> or <c>s</c>.</summary>
    public static (int Height, int Width) ParseImageSize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim().TrimStart('[', '(').TrimEnd(']', ')');
        var parts = trimmed.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is 1 or 2
            && int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var height)
            && height > 0)
        {
            if (parts.Length == 1)
            {
                return (height, height);
            }

            if (int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var width) && width > 0)
            {
                return (height, width);
            }
        }

        throw new FormatException($"expected [height, width] or one size in pixels, got \"{Shorten(text)}\"");
    }

    private static int ParseStride(string text) =>
        int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var stride) && stride > 0
            ? stride
            : throw new FormatException($"expected a positive whole number, got \"{Shorten(text)}\"");

    private static bool ParseBool(string text) =>
        text.Trim().ToLowerInvariant() switch
        {
            "true" or "1" => true,
            "false" or "0" => false,
            _ => throw new FormatException($"expected True or False, got \"{Shorten(text)}\""),
        };

    private static T Wrap<T>(string key, string text, Func<string, T> parse)
    {
        try
        {
            return parse(text);
        }
        catch (FormatException ex)
        {
            throw new FormatException($"metadata '{key}' cannot be read: {ex.Message}", ex);
        }
    }

    private static string? Get(IReadOnlyDictionary<string, string> custom, string key) =>
        custom.TryGetValue(key, out var value) ? value : null;

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string Shorten(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 77), "...");

    /// <summary>A small reader for the Python/JSON literals Ultralytics writes; not a general parser.</summary>
    private ref struct LiteralReader(string text)
    {
        private readonly string _text = text;
        private int _position;

        public void SkipWhitespace()
        {
            while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
            {
                _position++;
            }
        }

        public bool TryConsume(char c)
        {
            SkipWhitespace();
            if (_position < _text.Length && _text[_position] == c)
            {
                _position++;
                return true;
            }

            return false;
        }

        public bool TryConsumeClosing(char closing)
        {
            SkipWhitespace();
            if (_position >= _text.Length)
            {
                throw new FormatException($"missing closing '{closing}'");
            }

            return TryConsume(closing);
        }

        public void Expect(char c)
        {
            if (!TryConsume(c))
            {
                throw new FormatException($"expected '{c}' at position {_position}");
            }
        }

        /// <summary>After an entry: a comma (a trailing one is allowed) or the closing bracket.</summary>
        public void ConsumeSeparator(char closing)
        {
            SkipWhitespace();
            if (_position >= _text.Length)
            {
                throw new FormatException($"missing closing '{closing}'");
            }

            if (TryConsume(','))
            {
                return;
            }

            if (_position < _text.Length && _text[_position] == closing)
            {
                return;
            }

            throw new FormatException($"expected ',' or '{closing}' at position {_position}");
        }

        public void ExpectEnd()
        {
            SkipWhitespace();
            if (_position != _text.Length)
            {
                throw new FormatException($"unexpected text after position {_position}");
            }
        }

        public int ReadClassId()
        {
            SkipWhitespace();
            var quoted = _position < _text.Length && _text[_position] is '\'' or '"';
            var digits = quoted ? ReadString() : ReadBareToken();
            return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                ? id
                : throw new FormatException($"class id \"{digits}\" is not a non-negative whole number");
        }

        public string ReadString()
        {
            SkipWhitespace();
            if (_position >= _text.Length || _text[_position] is not ('\'' or '"'))
            {
                throw new FormatException($"expected a quoted class name at position {_position}");
            }

            var quote = _text[_position++];
            var builder = new StringBuilder();
            while (_position < _text.Length)
            {
                var c = _text[_position++];
                if (c == quote)
                {
                    return builder.ToString();
                }

                if (c != '\\')
                {
                    builder.Append(c);
                    continue;
                }

                if (_position >= _text.Length)
                {
                    break;
                }

                var escaped = _text[_position++];
                switch (escaped)
                {
                    case 'n': builder.Append('\n'); break;
                    case 't': builder.Append('\t'); break;
                    case 'r': builder.Append('\r'); break;
                    case 'x': builder.Append(ReadHex(2)); break;
                    case 'u': builder.Append(ReadHex(4)); break;
                    default: builder.Append(escaped); break;
                }
            }

            throw new FormatException("a quoted class name is not closed");
        }

        private char ReadHex(int length)
        {
            if (_position + length > _text.Length
                || !int.TryParse(_text.AsSpan(_position, length), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
            {
                throw new FormatException($"bad escape sequence at position {_position}");
            }

            _position += length;
            return (char)code;
        }

        private string ReadBareToken()
        {
            var start = _position;
            while (_position < _text.Length && char.IsAsciiDigit(_text[_position]))
            {
                _position++;
            }

            return _text[start.._position];
        }
    }
}
