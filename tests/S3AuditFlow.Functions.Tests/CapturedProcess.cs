using System.Diagnostics;
using System.Text;

namespace S3AuditFlow.Functions.Tests;

/// <summary>A started child process whose stdout and stderr are collected, interleaved as they arrive.</summary>
internal sealed class CapturedProcess : IDisposable
{
    private readonly StringBuilder _output = new();

    public Process Process { get; }

    private CapturedProcess(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        Process = new Process { StartInfo = start };
        Process.OutputDataReceived += (_, e) => Append(e.Data);
        Process.ErrorDataReceived += (_, e) => Append(e.Data);
    }

    /// <summary>Starts the process and begins collecting its output.</summary>
    public static CapturedProcess Start(ProcessStartInfo start)
    {
        var captured = new CapturedProcess(start);
        captured.Process.Start();
        captured.Process.BeginOutputReadLine();
        captured.Process.BeginErrorReadLine();
        return captured;
    }

    /// <summary>Everything printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    public void Dispose() => Process.Dispose();
}
