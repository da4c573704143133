namespace S3AuditFlow.Core.Scanning;

/// <summary>
/// A temporary file that leaves nothing behind: on Linux and macOS it is unlinked as soon as it is open, so the
/// kernel frees it when the process ends however it ends (Ctrl-C, kill -9, a crash); elsewhere it is deleted on close.
/// </summary>
internal static class SpillFile
{
    /// <summary>Opens a new, already-unlinked file for writing and reading back.</summary>
    public static FileStream Create()
    {
        var path = Path.Combine(Path.GetTempPath(), $"s3audit-{Environment.ProcessId}-{Guid.NewGuid():N}.run");
        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Delete, 1 << 16, FileOptions.DeleteOnClose);
        if (!OperatingSystem.IsWindows())
            File.Delete(path);
        return stream;
    }
}
