using System.Text;
using System.Text.Json.Nodes;
using Inspection.Detection.Packaging;

namespace Inspection.Detection.Tests.Packaging;

public sealed class ModelManifestJsonTests
{
    [Fact]
    public void TryParse_RoundTrip_ReturnsAnEqualManifest()
    {
        using var key = TestPackages.NewKey();
        var manifest = TestPackages.Manifest(key);

        Assert.True(ModelManifestJson.TryParse(ModelManifestJson.Serialize(manifest), out var parsed, out var error), error);

        Assert.Equal(manifest with { Summary = parsed.Summary, Golden = parsed.Golden }, parsed);
        Assert.Equal(manifest.Summary.Classes, parsed.Summary.Classes);
        Assert.Equal(manifest.Golden.Frames[0].Detections, parsed.Golden.Frames[0].Detections);
    }

    [Fact]
    public void TryParse_UnknownField_Ignored()
    {
        using var key = TestPackages.NewKey();
        var json = Edit(TestPackages.Manifest(key), m => m["addedLater"] = "x");

        Assert.True(ModelManifestJson.TryParse(json, out _, out var error), error);
    }

    [Theory]
    [InlineData("schemaVersion", "2", "manifest schemaVersion 2 is not supported")]
    [InlineData("release", "0", "release must be 1 or more")]
    [InlineData("version", "\"two\"", "is not a semantic version")]
    [InlineData("name", "\"../etc\"", "name '../etc' must be")]
    [InlineData("keyId", "\"\"", "keyId is missing")]
    public void TryParse_BadField_RefusedWithTheReason(string field, string value, string expected)
    {
        using var key = TestPackages.NewKey();
        var json = Edit(TestPackages.Manifest(key), m => m[field] = JsonNode.Parse(value));

        Assert.False(ModelManifestJson.TryParse(json, out var parsed, out var error));
        Assert.Null(parsed);
        Assert.Contains(expected, error);
    }

    [Theory]
    [InlineData("../model.onnx")]
    [InlineData("/etc/passwd")]
    [InlineData("golden/../../x")]
    [InlineData("a\\b")]
    public void TryParse_PathLeavingThePackage_Refused(string path)
    {
        using var key = TestPackages.NewKey();
        var json = Edit(TestPackages.Manifest(key), m => m["model"]!["path"] = path);

        Assert.False(ModelManifestJson.TryParse(json, out _, out var error));
        Assert.Contains("is not a plain relative path inside the package", error);
    }

    [Fact]
    public void TryParse_MalformedHash_Refused()
    {
        using var key = TestPackages.NewKey();
        var json = Edit(TestPackages.Manifest(key), m => m["model"]!["sha256"] = "ABC");

        Assert.False(ModelManifestJson.TryParse(json, out _, out var error));
        Assert.Contains("sha256 must be 64 lowercase hex digits", error);
    }

    [Fact]
    public void TryParse_NoGoldenFrames_Refused()
    {
        using var key = TestPackages.NewKey();
        var json = Edit(TestPackages.Manifest(key), m => m["golden"]!["frames"] = new JsonArray());

        Assert.False(ModelManifestJson.TryParse(json, out _, out var error));
        Assert.Contains("the golden set has no frames", error);
    }

    [Fact]
    public void TryParse_ScoreThresholdAboveTheBand_Refused()
    {
        using var key = TestPackages.NewKey();
        var json = Edit(TestPackages.Manifest(key), m => m["recommended"]!["scoreThreshold"] = 0.5);

        Assert.False(ModelManifestJson.TryParse(json, out _, out var error));
        Assert.Contains("is above the band's lower edge", error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"schemaVersion\":1")]
    [InlineData("{\"schemaVersion\":1}")]
    public void TryParse_NotAManifest_RefusedWithoutThrowing(string json)
    {
        Assert.False(ModelManifestJson.TryParse(Encoding.UTF8.GetBytes(json), out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    private static byte[] Edit(ModelManifest manifest, Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(ModelManifestJson.Serialize(manifest))!.AsObject();
        edit(node);
        return Encoding.UTF8.GetBytes(node.ToJsonString());
    }
}
