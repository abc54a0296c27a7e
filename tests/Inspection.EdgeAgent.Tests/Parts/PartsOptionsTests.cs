using System.ComponentModel.DataAnnotations;
using Inspection.EdgeAgent.Parts;

namespace Inspection.EdgeAgent.Tests.Parts;

public sealed class PartsOptionsTests
{
    [Theory]
    [InlineData("none")]
    [InlineData("tracker")]
    [InlineData("trigger")]
    public void Validate_KnownSource_IsAccepted(string source)
    {
        Assert.Empty(Validate(new PartsOptions { Source = source }));
    }

    [Fact]
    public void Validate_UnknownSource_NamesTheKeyAndTheChoices()
    {
        var error = Assert.Single(Validate(new PartsOptions { Source = "camera" }));

        Assert.Contains("Parts:Source is 'camera'", error, StringComparison.Ordinal);
        Assert.Contains("none", error, StringComparison.Ordinal);
        Assert.Contains("tracker", error, StringComparison.Ordinal);
        Assert.Contains("trigger", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    public void Validate_MaxEscalatedFramesOutOfRange_NamesTheKey(int frames)
    {
        var error = Assert.Single(Validate(new PartsOptions { Source = "tracker", MaxEscalatedFrames = frames }));

        Assert.StartsWith("Parts:MaxEscalatedFrames must be between 1 and 8", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NegativeDetectionMargin_NamesTheKey()
    {
        var error = Assert.Single(Validate(new PartsOptions { Source = "tracker", DetectionMargin = -1 }));

        Assert.StartsWith("Parts:DetectionMargin must be between 0 and 200", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    public void Validate_AuditShareOutOfRange_NamesTheKey(double share)
    {
        var error = Assert.Single(Validate(new PartsOptions { Source = "tracker", AuditShare = share }));

        Assert.StartsWith("Parts:AuditShare must be between 0 (no audits) and 1", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Enabled_NoneSource_IsFalseOtherwiseTrue()
    {
        Assert.False(new PartsOptions { Source = "none" }.Enabled);
        Assert.True(new PartsOptions { Source = "tracker" }.Enabled);
        Assert.True(new PartsOptions { Source = "trigger" }.Enabled);
    }

    private static List<string> Validate(PartsOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.ConvertAll(r => r.ErrorMessage ?? string.Empty);
    }
}
