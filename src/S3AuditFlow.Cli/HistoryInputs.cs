using System.CommandLine;
using Amazon.S3;
using S3AuditFlow.Aws;
using S3AuditFlow.Cli.Output;
using S3AuditFlow.Core.Input;

namespace S3AuditFlow.Cli;

/// <summary>
/// What `scan` and `allowlist suggest` read: the inputs their path arguments name (s3:// prefixes listed first), and
/// the S3 client those inputs open their objects with, which must live until the scan has read them.
/// </summary>
internal sealed class HistoryInputs : IDisposable
{
    private readonly AmazonS3Client? _s3;

    private HistoryInputs(List<ScanInput> inputs, AmazonS3Client? s3)
    {
        Inputs = inputs;
        _s3 = s3;
    }

    /// <summary>The inputs, in the order scan reads them.</summary>
    public List<ScanInput> Inputs { get; private set; }

    /// <summary>True when s3:// inputs were listed: they are read more at once, and always with progress.</summary>
    public bool Remote => _s3 is not null;

    /// <summary>Lists the s3:// arguments, then expands every path as scan reads it.</summary>
    /// <exception cref="UsageException">A path that does not exist or cannot be read as input.</exception>
    public static async Task<HistoryInputs> OpenAsync(CliConsole console, TableOptions table, ParseResult result, string[] paths, InputSelection selection,
        bool noProgress, CancellationToken cancel)
    {
        AmazonS3Client? s3 = null;
        try
        {
            if (paths.Any(S3Location.IsS3))
            {
                var locations = paths.Where(S3Location.IsS3).Distinct(StringComparer.Ordinal).ToDictionary(p => p, ScanCommand.ParseLocation, StringComparer.Ordinal);
                s3 = table.Target(result).CreateS3();
                var listed = await ScanCommand.ListAsync(console, s3, selection, locations, noProgress, cancel).ConfigureAwait(false);
                selection.Remote = p => listed.GetValueOrDefault(p);
            }
            return new HistoryInputs(ScanInput.Expand(paths, console.OpenStdin, message => console.Error.WriteLine("s3audit: warning: " + message), selection), s3);
        }
        catch (Exception e)
        {
            s3?.Dispose();
            if (e is FileNotFoundException or ArgumentException)
                throw new UsageException(e.Message);
            throw;
        }
    }

    /// <summary>Inputs read at once: the one given, else one per core, more for s3:// inputs.</summary>
    public int Parallelism(int given)
    {
        var parallelism = given > 0 ? given : Remote ? ScanCommand.RemoteParallelism : 0;
        if (Remote)
        {
            // Each worker blocks on a network read whose completion needs a pool thread of its own: without spare
            // threads the pool would add them one at a time, stalling the first seconds of the scan.
            ThreadPool.GetMinThreads(out var workers, out var io);
            ThreadPool.SetMinThreads(Math.Max(workers, (2 * parallelism) + Environment.ProcessorCount), io);
        }
        return parallelism;
    }

    /// <summary>The progress bar when it is useful, counting each input as it is opened.</summary>
    public ProgressBar? StartProgress(CliConsole console, bool noProgress)
    {
        var progress = ProgressBar.StartIfUseful(console, Inputs, noProgress, Remote);
        if (progress is not null)
            Inputs = [.. Inputs.Select(i => i with { OpenRaw = () => { progress.Opened(); return i.OpenRaw(); } })];
        return progress;
    }

    /// <inheritdoc />
    public void Dispose() => _s3?.Dispose();
}
