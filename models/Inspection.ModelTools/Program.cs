using Inspection.ModelTools;

return await ModelToolsCommand.Create().Parse(args).InvokeAsync();
