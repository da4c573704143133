using S3AuditFlow.Core.Input;

namespace S3AuditFlow.Cli.Output;

/// <summary>
/// A progress bar on stderr by bytes read, with inputs opened; drawn only on a terminal, and for local inputs only
/// when they are large enough to wait for (an s3:// input is always waited for).
/// </summary>
public sealed class ProgressBar : StatusLine
{
    private const long LargeInputBytes = 32L * 1024 * 1024;

    private readonly long _total;
    private readonly int _inputs;
    private long _done;
    private int _opened;

    private ProgressBar(TextWriter error, long total, int inputs)
        : base(error)
    {
        _total = total;
        _inputs = inputs;
    }

    /// <summary>A bar when stderr is a terminal and the inputs are remote or add up to a large size; else null.</summary>
    public static ProgressBar? StartIfUseful(CliConsole console, IReadOnlyList<ScanInput> inputs, bool disabled, bool remote = false)
    {
        var total = inputs.Sum(i => i.Length);
        return disabled || !console.ErrorIsTerminal || (total < LargeInputBytes && !remote) ? null : new ProgressBar(console.Error, total, inputs.Count);
    }

    /// <summary>Counts bytes read; called from several threads.</summary>
    public void Add(long bytes) => Interlocked.Add(ref _done, bytes);

    /// <summary>Counts an input opened; called from several threads.</summary>
    public void Opened() => Interlocked.Increment(ref _opened);

    /// <inheritdoc />
    protected override string Text()
    {
        var fraction = _total == 0 ? 1.0 : Math.Min(1.0, (double)Interlocked.Read(ref _done) / _total);
        var filled = (int)(fraction * 30);
        return $"[{new string('#', filled)}{new string('.', 30 - filled)}] {fraction,4:P0} of {Megabytes(_total)}, {Volatile.Read(ref _opened):N0}/{_inputs:N0} inputs";
    }
}
