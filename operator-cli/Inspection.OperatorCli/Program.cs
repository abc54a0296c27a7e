using Inspection.OperatorCli;

// Ctrl+C ends a watch cleanly (the exit code says how far it got) instead of killing the process mid-line.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

return await OperatorCommand.RunAsync(args, CliConsole.FromProcess(), cancellation.Token);
