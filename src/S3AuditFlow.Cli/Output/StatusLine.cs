namespace S3AuditFlow.Cli.Output;

/// <summary>One line on stderr, redrawn every 250 ms while scan lists or reads, and cleared when it is done.</summary>
public abstract class StatusLine : IDisposable
{
    private const int Width = 79;

    private readonly Timer _timer;

    /// <summary>Starts redrawing on <paramref name="error"/>.</summary>
    protected StatusLine(TextWriter error)
    {
        Error = error;
        _timer = new Timer(_ => Draw(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
    }

    /// <summary>Where the line is drawn.</summary>
    protected TextWriter Error { get; }

    /// <summary>Draws the line once (the timer calls it every 250 ms).</summary>
    internal void Draw() => Error.Write("\r" + Text());

    /// <summary>The line as it stands.</summary>
    protected abstract string Text();

    /// <summary>Stops drawing and clears the line.</summary>
    public void Finish()
    {
        _timer.Dispose();
        Error.Write("\r" + new string(' ', Width) + "\r");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _timer.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>"12 MB", for the lines' byte counts.</summary>
    protected static string Megabytes(long bytes) => $"{bytes / (1024.0 * 1024):N0} MB";
}

/// <summary>What an s3:// listing has found so far: objects kept and their bytes.</summary>
public sealed class ListingProgress(TextWriter error, string what) : StatusLine(error)
{
    private long _objects;
    private long _bytes;

    /// <summary>A line when stderr is a terminal and progress is not disabled; else null.</summary>
    public static ListingProgress? StartIfUseful(CliConsole console, string what, bool disabled) =>
        disabled || !console.ErrorIsTerminal ? null : new ListingProgress(console.Error, what);

    /// <summary>Counts one object kept; called from several threads.</summary>
    public void Listed(long bytes)
    {
        Interlocked.Increment(ref _objects);
        Interlocked.Add(ref _bytes, bytes);
    }

    /// <inheritdoc />
    protected override string Text() => $"listing {what}: {Interlocked.Read(ref _objects):N0} objects, {Megabytes(Interlocked.Read(ref _bytes))}";
}
