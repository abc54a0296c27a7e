namespace Inspection.CloudInference.Models;

/// <summary>How an upload ended: the registered model, or the HTTP status and the reason it was refused.</summary>
public sealed record RegistrationResult(RegisteredModel? Model, int Status, string? Error)
{
    public static RegistrationResult Accepted(RegisteredModel model) => new(model, StatusCodes.Status201Created, null);

    public static RegistrationResult Refused(int status, string error) => new(null, status, error);
}
