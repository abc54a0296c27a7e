using Inspection.CloudInference.Cli;

// No verb (or "serve") runs the service with the remaining arguments as host arguments;
// "set-mode" and "fleet" are operator commands against a running service.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

return await CloudCli.RunAsync(args, Console.Out, Console.Error, cancellation.Token);
