namespace S3AuditFlow.Cli;

/// <summary>Writes an export: the whole file, or on failure (missing folder, full disk, no permission) nothing and one clear line.</summary>
internal static class ExportFile
{
    /// <summary>Writes <paramref name="json"/> to <paramref name="path"/>; <paramref name="open"/> replaces the file system in tests.</summary>
    /// <exception cref="UsageException">The file could not be written; a partial file has been removed.</exception>
    public static void Write(string path, byte[] json, Func<string, Stream>? open = null)
    {
        try
        {
            // Unbuffered, so a full disk fails this write rather than a flush inside Dispose.
            using var output = open?.Invoke(path) ?? new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
            output.Write(json);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            RemovePartial(path, json.Length);
            throw new UsageException($"cannot write {path}: {e.Message}");
        }
    }

    /// <summary>A truncated export must not be kept as if it were a backup.</summary>
    private static void RemovePartial(string path, long expected)
    {
        try
        {
            var file = new FileInfo(path);
            if (file.Exists && file.Length < expected)
                file.Delete();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the error already says the export failed.
        }
    }
}
