using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Inspection.OperatorCli;

/// <summary>The tables the commands print: Spectre.Console tables whose cells are plain text (never markup).</summary>
public static class TextTable
{
    public static Table Create(params string[] headers)
    {
        var table = new Table { Border = TableBorder.Rounded };
        foreach (var header in headers)
        {
            table.AddColumn(new TableColumn(new Text(header)));
        }

        return table;
    }

    /// <summary>Adds a row; a null cell prints as "-". Text is taken literally, so "[x]" in a reason stays "[x]".</summary>
    public static Table Row(this Table table, params string?[] cells)
    {
        table.AddRow(cells.Select(cell => (IRenderable)new Text(cell ?? "-")).ToArray());
        return table;
    }

    /// <summary>A time as the tables print it: UTC, to the second.</summary>
    public static string Time(DateTimeOffset? at) =>
        at is { } value ? value.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture) : "-";

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
