using Microsoft.Extensions.Hosting;

namespace Inspection.EdgeAgent.Inspection;

/// <summary>
/// Loads and warms the model while the host starts. The host reports ready (systemd <c>READY=1</c>) only
/// after every hosted service has started, so readiness means the model is warm; a model that fails to
/// load fails the start instead of a half-working service.
/// </summary>
public sealed class ModelWarmupService : IHostedService
{
    private readonly ModelHost _model;

    public ModelWarmupService(ModelHost model)
    {
        _model = model;
    }

    public Task StartAsync(CancellationToken cancellationToken) =>
        Task.Run(_model.Load, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
