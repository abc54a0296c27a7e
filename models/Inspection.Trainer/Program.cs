using Inspection.Trainer;
using Microsoft.Extensions.Logging;

using var loggers = LoggerFactory.Create(builder => builder.AddSimpleConsole(options =>
{
    options.SingleLine = true;
    options.TimestampFormat = "HH:mm:ss ";
}));
return await TrainerCommand.Create(loggers).Parse(args).InvokeAsync();
