using System.ComponentModel.DataAnnotations;
using Inspection.EdgeAgent.Capture;
using Inspection.EdgeAgent.Tests.TestSupport;

namespace Inspection.EdgeAgent.Tests.Capture;

public sealed class CaptureOptionsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public void Validate_MissingVideoFile_NamesTheFile()
    {
        var errors = Validate(new CaptureOptions { Source = "file:/nowhere/line.mp4" });

        Assert.Contains(errors, e => e.Contains("/nowhere/line.mp4") && e.Contains("does not exist"));
    }

    [Fact]
    public void Validate_NoSource_SaysItIsRequired()
    {
        var errors = Validate(new CaptureOptions());

        Assert.Contains(errors, e => e.StartsWith("Capture:Source is required", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_ExistingFolder_IsValid()
    {
        Assert.Empty(Validate(new CaptureOptions { Source = "folder:" + _temp.Path, MaxFps = 15 }));
    }

    [Fact]
    public void Validate_NegativeMaxFps_IsRejected()
    {
        var errors = Validate(new CaptureOptions { Source = "camera:0", MaxFps = -1 });

        Assert.Contains(errors, e => e.Contains("Capture:MaxFps"));
    }

    private static List<string> Validate(CaptureOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => r.ErrorMessage ?? string.Empty).ToList();
    }

    public void Dispose() => _temp.Dispose();
}
