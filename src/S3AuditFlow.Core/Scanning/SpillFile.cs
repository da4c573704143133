namespace S3AuditFlow.Core.Scanning;

/// <summary>
/// A temporary file that leaves nothing behind: on Linux and macOS it is unlinked as soon as it is open, so the
/// kernel frees it when the process ends however it ends (Ctrl-C, kill -9, a crash); elsewhere it is deleted on close.
/// Only its owner may read it while it has a name: it holds CloudTrail records.
/// </summary>
internal static class SpillFile
{
    /// <summary>Opens a new, already-unlinked file for writing and reading back; unbuffered (its readers and writers buffer).</summary>
    /// <exception cref="SpillException">The temporary folder cannot take it.</exception>
    public static FileStream Create()
    {
        var path = Path.Combine(Path.GetTempPath(), $"s3audit-{Environment.ProcessId}-{Guid.NewGuid():N}.run");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.ReadWrite,
                Share = FileShare.Delete,
                BufferSize = 0,
                Options = FileOptions.DeleteOnClose,
            };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            var stream = new FileStream(path, options);
            if (!OperatingSystem.IsWindows())
                File.Delete(path);
            return stream;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SpillException(e);
        }
    }
}

/// <summary>
/// Alert candidates could not be kept in temporary files (a full disk, a missing or unwritable <c>TMPDIR</c>, too
/// many open files). Not an <see cref="IOException"/>, on purpose: it must end the scan, never pass for one
/// unreadable input while the candidates it was writing are lost.
/// </summary>
public sealed class SpillException(Exception inner)
    : Exception($"cannot keep alert candidates in temporary files in {Path.GetTempPath()}: {inner.Message}", inner);
