using Spectre.Console;

namespace Inspection.OperatorCli;

/// <summary>
/// Where the commands write, the clock they wait on and the environment they read: the process's own, or a test's.
/// </summary>
/// <param name="output">Tables and answers.</param>
/// <param name="error">What went wrong.</param>
/// <param name="time">The clock watches refresh on (default: the system clock).</param>
/// <param name="interactive">
/// True when <paramref name="output"/> is a terminal a person looks at: watches redraw in place. Otherwise (a pipe, a
/// file, a test) every refresh prints a fresh snapshot below the last.
/// </param>
/// <param name="environment">Reads an environment variable (default: none is set).</param>
/// <param name="input">Standard input, for <c>--password-stdin</c> (default: empty).</param>
public sealed class CliConsole(
    TextWriter output,
    TextWriter error,
    TimeProvider? time = null,
    bool interactive = false,
    Func<string, string?>? environment = null,
    TextReader? input = null)
{
    // Redirected output has no width of its own; Spectre would assume 80 columns and wrap the device table's
    // reasons over several lines, which a script reading line by line cannot follow.
    private const int RedirectedWidth = 240;

    private IAnsiConsole? _ansi;

    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    public TextReader Input { get; } = input ?? TextReader.Null;

    public TimeProvider Time { get; } = time ?? TimeProvider.System;

    public bool IsInteractive { get; } = interactive;

    /// <summary>The process's console and environment.</summary>
    public static CliConsole FromProcess() =>
        new(Console.Out, Console.Error, TimeProvider.System, !Console.IsOutputRedirected, Environment.GetEnvironmentVariable, Console.In);

    public string? Variable(string name) => environment?.Invoke(name);

    /// <summary>Spectre.Console over <see cref="Output"/>: colours and live redraws on a terminal, plain text otherwise.</summary>
    public IAnsiConsole Ansi => _ansi ??= CreateAnsi();

    private IAnsiConsole CreateAnsi()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Output),
            Ansi = IsInteractive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = IsInteractive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = IsInteractive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!IsInteractive)
        {
            console.Profile.Width = RedirectedWidth;
        }

        return console;
    }
}
