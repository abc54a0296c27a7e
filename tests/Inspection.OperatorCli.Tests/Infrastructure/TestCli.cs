namespace Inspection.OperatorCli.Tests.Infrastructure;

/// <summary>Runs the operator CLI in-process with its output, error, clock and environment captured.</summary>
public sealed class TestCli : IDisposable
{
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();
    private readonly TextWriter _syncOutput;

    public TestCli(TimeProvider? time = null)
    {
        // A watch test reads what the command is still writing; SyncTextWriter locks on itself.
        _syncOutput = TextWriter.Synchronized(_output);
        Time = time ?? TimeProvider.System;
    }

    public TimeProvider Time { get; }

    /// <summary>The environment the CLI sees (none of the process's own).</summary>
    public Dictionary<string, string> Environment { get; } = [];

    public string Output
    {
        get
        {
            lock (_syncOutput)
            {
                return _output.ToString();
            }
        }
    }

    public string Error => _error.ToString();

    public Task<int> RunAsync(params string[] args) =>
        OperatorCommand.RunAsync(
            args,
            new CliConsole(_syncOutput, _error, Time, interactive: false, name => Environment.GetValueOrDefault(name)),
            TestContext.Current.CancellationToken);

    /// <summary>The cells of every row of the tables printed so far (header rows included), by line.</summary>
    public List<string[]> TableRows() =>
        [.. Output.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.StartsWith('│'))
            .Select(line => line.Trim('│').Split('│').Select(cell => cell.Trim()).ToArray())];

    /// <summary>The row of the table whose first cell is <paramref name="first"/>.</summary>
    public string[] Row(string first) =>
        TableRows().FirstOrDefault(row => row[0] == first)
        ?? throw new Xunit.Sdk.XunitException($"no table row starts with '{first}' in:{System.Environment.NewLine}{Output}");

    public void Dispose()
    {
        _output.Dispose();
        _error.Dispose();
    }
}
