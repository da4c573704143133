namespace S3AuditFlow.Cli;

/// <summary>Where a command reads and writes, so tests can run commands in-process.</summary>
/// <param name="ErrorIsTerminal">True when stderr is a terminal: only then is a progress bar drawn.</param>
public sealed record CliConsole(TextWriter Out, TextWriter Error, Func<Stream> OpenStdin, bool ErrorIsTerminal = false);

/// <summary>The exit codes the README documents.</summary>
public static class ExitCodes
{
    /// <summary>Done (alerts or not, unless --fail-on-alert).</summary>
    public const int Ok = 0;
    /// <summary>--fail-on-alert and at least one alert.</summary>
    public const int AlertRaised = 1;
    /// <summary>replay: some messages could not be moved; they stay in the replay queue.</summary>
    public const int SomeNotMoved = 1;
    /// <summary>Usage or config error; nothing was evaluated.</summary>
    public const int UsageError = 2;
    /// <summary>A table or queue could not be read or written after retries (missing, credentials, network, throttling).</summary>
    public const int StoreError = 3;
    /// <summary>scan: alert candidates could not be kept in temporary files; the scan did not finish.</summary>
    public const int ScanIncomplete = 4;
}
