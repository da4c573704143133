using System.Text;
using S3AuditFlow.Cli;

// Buffered stdout: a scan can print one line per event, and Console.Out flushes every write.
using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16) { AutoFlush = false };
var console = new CliConsole(stdout, Console.Error, Console.OpenStandardInput, ErrorIsTerminal: !Console.IsErrorRedirected);
var exitCode = CliApp.Run(args, console);
stdout.Flush();
return exitCode;
