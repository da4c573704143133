using S3AuditFlow.Core.Input;

namespace S3AuditFlow.Cli.Output;

/// <summary>A progress bar on stderr by bytes read; drawn only on a terminal and for inputs large enough to wait for.</summary>
public sealed class ProgressBar : IDisposable
{
    private const long LargeInputBytes = 32L * 1024 * 1024;

    private readonly TextWriter _error;
    private readonly long _total;
    private readonly Timer _timer;
    private long _done;

    private ProgressBar(TextWriter error, long total)
    {
        _error = error;
        _total = total;
        _timer = new Timer(_ => Draw(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
    }

    /// <summary>A bar when stderr is a terminal and the inputs add up to a large size; else null.</summary>
    public static ProgressBar? StartIfUseful(CliConsole console, IReadOnlyList<ScanInput> inputs, bool disabled)
    {
        var total = inputs.Sum(i => i.Length);
        return disabled || !console.ErrorIsTerminal || total < LargeInputBytes ? null : new ProgressBar(console.Error, total);
    }

    /// <summary>Counts bytes read; called from several threads.</summary>
    public void Add(long bytes) => Interlocked.Add(ref _done, bytes);

    /// <summary>Stops drawing and clears the line.</summary>
    public void Finish()
    {
        _timer.Dispose();
        _error.Write("\r" + new string(' ', 60) + "\r");
    }

    /// <summary>Draws the bar once (the timer calls it every 250 ms).</summary>
    internal void Draw()
    {
        var fraction = Math.Min(1.0, (double)Interlocked.Read(ref _done) / _total);
        var filled = (int)(fraction * 30);
        _error.Write($"\r[{new string('#', filled)}{new string('.', 30 - filled)}] {fraction,4:P0} of {_total / (1024.0 * 1024):N0} MB");
    }

    /// <inheritdoc />
    public void Dispose() => _timer.Dispose();
}
