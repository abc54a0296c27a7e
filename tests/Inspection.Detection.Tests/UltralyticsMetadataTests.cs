namespace Inspection.Detection.Tests;

public sealed class UltralyticsMetadataTests
{
    [Fact]
    public void ParseNames_PythonDictLiteral_ReturnsNamesById()
    {
        var names = UltralyticsMetadata.ParseNames("{0: 'scratch', 1: 'dent', 2: \"chip's edge\"}");

        Assert.Equal(["scratch", "dent", "chip's edge"], names);
    }

    [Fact]
    public void ParseNames_Json_ReturnsNamesById()
    {
        var names = UltralyticsMetadata.ParseNames("{\"1\": \"dent\", \"0\": \"scratch\"}");

        Assert.Equal(["scratch", "dent"], names);
    }

    [Fact]
    public void ParseNames_ListWithEscapesAndTrailingComma_ReturnsNames()
    {
        var names = UltralyticsMetadata.ParseNames("['it\\'s', 'caf\\xe9', ]");

        Assert.Equal(["it's", "café"], names);
    }

    [Theory]
    [InlineData("{0: 'a', 2: 'c'}", "id 1 is missing")]
    [InlineData("{0: 'a', 0: 'b'}", "appears twice")]
    [InlineData("{}", "no classes")]
    [InlineData("{0: 'a'", "missing closing")]
    [InlineData("{0: scratch}", "quoted class name")]
    [InlineData("{a: 'scratch'}", "not a non-negative whole number")]
    [InlineData("scratch, dent", "expected a dict")]
    [InlineData("{0: 'a'} trailing", "unexpected text")]
    [InlineData("{0: 'unclosed}", "not closed")]
    public void ParseNames_Malformed_ThrowsSayingWhy(string text, string reason)
    {
        var error = Assert.Throws<FormatException>(() => UltralyticsMetadata.ParseNames(text));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[320, 320]", 320, 320)]
    [InlineData("[256, 320]", 256, 320)]
    [InlineData("(480, 640)", 480, 640)]
    [InlineData("640", 640, 640)]
    [InlineData("[416]", 416, 416)]
    public void ParseImageSize_SupportedForms_ReturnsHeightAndWidth(string text, int height, int width)
    {
        Assert.Equal((height, width), UltralyticsMetadata.ParseImageSize(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[0, 320]")]
    [InlineData("[320, 320, 3]")]
    [InlineData("big")]
    public void ParseImageSize_Malformed_Throws(string text)
    {
        Assert.Throws<FormatException>(() => UltralyticsMetadata.ParseImageSize(text));
    }

    [Fact]
    public void Parse_FullUltralyticsMetadata_ReadsEveryKey()
    {
        var metadata = UltralyticsMetadata.Parse(new Dictionary<string, string>
        {
            ["names"] = "{0: 'scratch', 1: 'dent'}",
            ["imgsz"] = "[256, 320]",
            ["stride"] = "32",
            ["task"] = "detect",
            ["description"] = "Ultralytics YOLO11n model",
            ["version"] = "8.3.0",
            ["end2end"] = "False",
        });

        Assert.Equal(
            new UltralyticsMetadata(metadata.Names, 256, 320, 32, "detect", "Ultralytics YOLO11n model", "8.3.0", false),
            metadata);
        Assert.Equal(["scratch", "dent"], metadata.Names);
    }

    [Fact]
    public void Parse_NoKeys_ReturnsAllNull()
    {
        var metadata = UltralyticsMetadata.Parse(new Dictionary<string, string>());

        Assert.Equal(new UltralyticsMetadata(null, null, null, null, null, null, null, null), metadata);
    }

    [Theory]
    [InlineData("names", "{0: 'a', 2: 'b'}")]
    [InlineData("imgsz", "huge")]
    [InlineData("stride", "-32")]
    [InlineData("end2end", "maybe")]
    public void Parse_MalformedKey_ThrowsNamingTheKey(string key, string value)
    {
        var error = Assert.Throws<FormatException>(() => UltralyticsMetadata.Parse(new Dictionary<string, string> { [key] = value }));

        Assert.Contains($"'{key}'", error.Message, StringComparison.Ordinal);
    }
}
