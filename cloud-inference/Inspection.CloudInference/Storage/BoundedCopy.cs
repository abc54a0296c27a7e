namespace Inspection.CloudInference.Storage;

/// <summary>An upload written to a file, stopped as soon as it passes its limit (model packages, agent bundles).</summary>
internal static class BoundedCopy
{
    /// <summary>Copies <paramref name="source"/> into a new file at <paramref name="path"/>; false once more than <paramref name="limit"/> bytes came.</summary>
    public static async Task<bool> ToFileAsync(Stream source, string path, long limit, CancellationToken cancellationToken)
    {
        await using var target = File.Create(path);
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
            if (total > limit)
            {
                return false;
            }

            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }

        return true;
    }
}
