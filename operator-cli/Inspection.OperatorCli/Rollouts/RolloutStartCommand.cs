using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Inspection.Contracts.Rollouts;
using Inspection.OperatorCli.Fleet;

namespace Inspection.OperatorCli.Rollouts;

/// <summary>
/// <c>rollout start</c>: its options, checked as far as the command line can (the cloud checks the rest and answers
/// 400), and the <see cref="RolloutRequest"/> they make. An option not given stays null in the request, and without
/// any strategy option the strategy is null, so the cloud's defaults apply.
/// </summary>
public static class RolloutStartCommand
{
    public static Command Create(CliConsole console)
    {
        var options = new StartOptions();
        var api = ApiCommand.ApiOption(console);
        var json = ApiCommand.JsonOption();
        var command = new Command("start", "Roll a model release (--release) or an edge agent release (--agent-version) out to devices: canary first, then in waves; it halts by itself when devices fail.");
        options.AddTo(command);
        command.Options.Add(api);
        command.Options.Add(json);
        command.SetAction((parse, cancellationToken) =>
        {
            var request = options.Request(parse);
            return ApiCommand.RunAsync(
                console,
                ApiCommand.Target(console, parse, api),
                async client =>
                {
                    var answer = await client.PostAsync<RolloutRequest, RolloutView>("api/rollouts", request, cancellationToken).ConfigureAwait(false);
                    return await RolloutOutput.WriteAsync(console, answer, parse.GetValue(json), cancellationToken).ConfigureAwait(false);
                },
                cancellationToken,

                // A review check runs the release's model over every reviewed frame before the cloud answers.
                request.Strategy?.ReviewCheck is null ? null : ApiCommand.ReviewCheckTimeout);
        });
        return command;
    }

    private sealed class StartOptions
    {
        private readonly Option<long?> _release = new("--release") { Description = "The registered model release to roll out (see 'model list')." };
        private readonly Option<string?> _agentVersion = new("--agent-version")
        {
            Description = "The registered edge agent release to roll out instead of a model (see 'agent list'); each device succeeds when it commits the new agent after its health window.",
        };
        private readonly Option<string[]?> _devices = ListOption("--devices", "Target: these devices, comma-separated (a,b,c).");
        private readonly Option<string?> _line = new("--line") { Description = "Target: every device that reports this line." };
        private readonly Option<string?> _tag = new("--tag") { Description = "Target: every device that reports this tag." };
        private readonly Option<bool> _all = new("--all") { Description = "Target: every device the cloud knows." };
        private readonly Option<int?> _canaryCount = AtLeast("--canary-count", "Canary: this many devices of the target, chosen by the cloud (cloud default 1).", 1);
        private readonly Option<string[]?> _canaryDevices = ListOption("--canary-devices", "Canary: these devices, comma-separated.");
        private readonly Option<double[]?> _waves = NumberListOption(
            "--waves",
            "Waves after the canary as cumulative percentages of the target, e.g. 25,100 (cloud default 100).",
            waves => waves.Any(w => w is <= 0 or > 100) || waves.Zip(waves.Skip(1)).Any(pair => pair.Second <= pair.First)
                ? "--waves must be ascending percentages above 0 and at most 100, e.g. 25,100."
                : null);

        private readonly Option<double[]?> _ramp = NumberListOption(
            "--ramp",
            "Exponential waves instead of --waves: START,FACTOR, e.g. 10,2 (10 %, 20 %, 40 %, … of the target until all).",
            ramp => ramp is not [> 0 and <= 100, > 1]
                ? "--ramp is START,FACTOR: a start percentage above 0 and at most 100, and a factor above 1, e.g. 10,2."
                : null);

        private readonly Option<double?> _successThreshold = NumberOption.Optional<double>(
            "--success-threshold",
            "Share of a wave's devices that must succeed before the next wave starts, above 0 and at most 1 (cloud default 1).",
            share => share is > 0 and <= 1,
            "above 0 and at most 1");

        private readonly Option<int?> _maxFailures = AtLeast("--max-failures", "Halt when more devices than this have failed (cloud default: at the first).", 0);
        private readonly Option<double?> _maxFailureShare = NumberOption.Optional<double>(
            "--max-failure-share", "Halt when more than this share of the devices started have failed, 0-1.", share => share is >= 0 and <= 1, "between 0 and 1");

        private readonly Option<int?> _deviceTimeout = AtLeast("--device-timeout", "Seconds a device may stay in one update step before it fails as timed out (cloud default 900).", 1);
        private readonly Option<int?> _maxConcurrent = AtLeast("--max-concurrent", "Devices updating at once (cloud default 10).", 1);
        private readonly Option<string?> _window = new("--window") { Description = "Devices start updating only inside this daily window, HH:mm-HH:mm (may cross midnight), e.g. 22:00-04:00." };
        private readonly Option<string?> _timeZone = new("--time-zone") { Description = "IANA time zone of --window, e.g. Europe/Berlin (cloud default UTC)." };
        private readonly Option<int?> _gateEscalations = AtLeast("--gate-escalations", "Accuracy gate: watch a committed device over its next N escalations.", 1);
        private readonly Option<double?> _gateMinutes = NumberOption.Optional<double>(
            "--gate-minutes", "Accuracy gate: … or over M minutes, whichever ends first.", minutes => minutes > 0, "more than 0");
        private readonly Option<bool> _reviewCheck = new("--review-check")
        {
            Description = "Judge the release on the parts people reviewed before the canary starts, and let the devices shadow it with a low agreement bar: for a release retrained to decide differently (a new part variant).",
        };
        private readonly Option<int?> _reviewMinParts = AtLeast("--review-min-parts", "Review check: reviewed parts of the target's devices needed (cloud default 20).", 1);
        private readonly Option<int?> _reviewEscapes = AtLeast("--review-escape-allowance", "Review check: reviewed defective parts the release may pass beyond those the running model passed (cloud default 0).", 0);
        private readonly Option<double?> _reviewFalseRejects = NumberOption.Optional<double>(
            "--review-false-reject-allowance", "Review check: share of reviewed clean parts the release may reject beyond the running model's (cloud default 0.05).", share => share is >= 0 and <= 1, "between 0 and 1");
        private readonly Option<double?> _reviewShadow = NumberOption.Optional<double>(
            "--review-shadow-min-agreement", "Review check: the devices' shadow agreement bar for the release (cloud default 0).", share => share is >= 0 and <= 1, "between 0 and 1");
        private readonly Option<bool> _reviewTrainSplit = new("--review-include-train-split")
        {
            Description = "Review check: judge also the parts the review export puts in its train split (by default only the val split and parts reviewed after the release was registered) — only for a release not trained on these reviews.",
        };

        public StartOptions()
        {
            _window.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<string?>() is { } window && !TryParseWindow(window, out _, out _))
                {
                    result.AddError($"--window '{window}' is not HH:mm-HH:mm, e.g. 22:00-04:00.");
                }
            });
        }

        public void AddTo(Command command)
        {
            Option[] options =
            [
                _release, _agentVersion, _devices, _line, _tag, _all, _canaryCount, _canaryDevices, _waves, _ramp, _successThreshold, _maxFailures,
                _maxFailureShare, _deviceTimeout, _maxConcurrent, _window, _timeZone, _gateEscalations, _gateMinutes,
                _reviewCheck, _reviewMinParts, _reviewEscapes, _reviewFalseRejects, _reviewShadow, _reviewTrainSplit,
            ];
            foreach (var option in options)
            {
                command.Options.Add(option);
            }

            command.Validators.Add(Validate);
        }

        /// <summary>The request the parsed options make.</summary>
        public RolloutRequest Request(ParseResult parse)
        {
            var target = new RolloutTarget(Given(parse, _devices), parse.GetValue(_line), parse.GetValue(_tag), parse.GetValue(_all));

            var canary = parse.GetValue(_canaryCount) is { } count ? new CanarySpec(Count: count)
                : Given(parse, _canaryDevices) is { } canaryDevices ? new CanarySpec(Devices: canaryDevices)
                : null;
            var ramp = Given(parse, _ramp) is [var start, var factor] ? new RampSpec(start, factor) : null;
            var maxFailures = parse.GetValue(_maxFailures);
            var maxShare = parse.GetValue(_maxFailureShare);
            var failures = maxFailures is null && maxShare is null ? null : new FailureThreshold(maxFailures, maxShare);
            MaintenanceWindow? window = null;
            if (parse.GetValue(_window) is { } text && TryParseWindow(text, out var from, out var to))
            {
                window = new MaintenanceWindow(from, to, parse.GetValue(_timeZone));
            }

            var gateEscalations = parse.GetValue(_gateEscalations);
            var gateMinutes = parse.GetValue(_gateMinutes);
            var gate = gateEscalations is null && gateMinutes is null ? null : new AccuracyGate(gateEscalations, gateMinutes);

            var reviewMinParts = parse.GetValue(_reviewMinParts);
            var reviewEscapes = parse.GetValue(_reviewEscapes);
            var reviewFalseRejects = parse.GetValue(_reviewFalseRejects);
            var reviewShadow = parse.GetValue(_reviewShadow);
            var reviewTrainSplit = parse.GetValue(_reviewTrainSplit);
            var review = parse.GetValue(_reviewCheck) || reviewMinParts is not null || reviewEscapes is not null || reviewFalseRejects is not null || reviewShadow is not null || reviewTrainSplit
                ? new ReviewCheck(reviewMinParts, null, reviewEscapes, reviewFalseRejects, reviewShadow, reviewTrainSplit ? true : null)
                : null;

            var strategy = new RolloutStrategy(
                canary,
                Given(parse, _waves),
                ramp,
                parse.GetValue(_successThreshold),
                failures,
                parse.GetValue(_deviceTimeout),
                parse.GetValue(_maxConcurrent),
                window,
                gate,
                review);

            // No strategy option given: no strategy sent, so every default is the cloud's.
            return new RolloutRequest(parse.GetValue(_release) ?? 0, target, strategy == new RolloutStrategy() ? null : strategy, parse.GetValue(_agentVersion));
        }

        private void Validate(CommandResult command)
        {
            if ((command.GetResult(_release) is null) == (command.GetResult(_agentVersion) is null))
            {
                command.AddError("Name what to roll out: --release N (a model) or --agent-version V (the edge agent), one of them.");
            }

            List<string> targets = [];
            if (command.GetResult(_devices) is not null)
            {
                targets.Add(_devices.Name);
            }

            if (command.GetResult(_line) is not null)
            {
                targets.Add(_line.Name);
            }

            if (command.GetResult(_tag) is not null)
            {
                targets.Add(_tag.Name);
            }

            if (command.GetValue(_all))
            {
                targets.Add(_all.Name);
            }

            if (targets.Count != 1)
            {
                command.AddError(targets.Count == 0
                    ? "Name the target: one of --devices a,b,c, --line L, --tag T or --all."
                    : $"Name one target, not {string.Join(" and ", targets)}.");
            }

            Exclusive(command, _canaryCount, _canaryDevices);
            Exclusive(command, _waves, _ramp);
            if (command.GetResult(_timeZone) is not null && command.GetResult(_window) is null)
            {
                command.AddError("--time-zone applies to --window; give the window too.");
            }
        }
    }

    // A list option not given reads as an empty list; the request leaves it null instead.
    private static T[]? Given<T>(ParseResult parse, Option<T[]?> option) =>
        parse.GetResult(option) is null ? null : parse.GetValue(option);

    private static void Exclusive(CommandResult command, Option first, Option second)
    {
        if (command.GetResult(first) is not null && command.GetResult(second) is not null)
        {
            command.AddError($"{first.Name} and {second.Name} exclude each other; give one.");
        }
    }

    private static bool TryParseWindow(string window, out string start, out string end)
    {
        start = end = string.Empty;
        var parts = window.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length != 2
            || !TimeOnly.TryParseExact(parts[0], "H:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var from)
            || !TimeOnly.TryParseExact(parts[1], "H:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var to))
        {
            return false;
        }

        start = from.ToString("HH:mm", CultureInfo.InvariantCulture);
        end = to.ToString("HH:mm", CultureInfo.InvariantCulture);
        return true;
    }

    private static Option<string[]?> ListOption(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var items = result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToArray();
            if (items.Length == 0)
            {
                result.AddError($"{name} needs at least one value, e.g. {name} a,b.");
            }

            return items;
        },
    };

    // Checked as it is parsed: a validator would run after a parse error too, and read a value that is not there.
    private static Option<double[]?> NumberListOption(string name, string description, Func<double[], string?> check) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var numbers = new List<double>();
            foreach (var item in result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.TrimEntries)))
            {
                if (!double.TryParse(item, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
                {
                    result.AddError($"{name}: '{item}' is not a number.");
                    return null;
                }

                numbers.Add(number);
            }

            if (check([.. numbers]) is { } error)
            {
                result.AddError(error);
                return null;
            }

            return [.. numbers];
        },
    };

    private static Option<int?> AtLeast(string name, string description, int minimum) =>
        NumberOption.Optional<int>(name, description, value => value >= minimum, $"at least {minimum}");
}
