using System.Text;

namespace S3AuditFlow.Cli.Tests;

/// <summary>Runs `s3audit` in-process with captured output.</summary>
internal sealed record CliRun(int ExitCode, string Out, string Error)
{
    public string[] OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public static CliRun Of(params string[] args) => WithStdin([], args);

    public static CliRun WithStdin(byte[] stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = CliApp.Run(args, new CliConsole(output, error, () => new MemoryStream(stdin)));
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}

/// <summary>Paths of the bundled samples as copied next to the tests.</summary>
internal static class Samples
{
    public static string Dir => Path.Combine(AppContext.BaseDirectory, "samples");
    public static string Config => Path.Combine(Dir, "config.json");
    public static string Logs => Path.Combine(Dir, "logs");
}

/// <summary>A temporary folder deleted after the test.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("s3audit-cli-").FullName;

    public string Write(string name, string content)
    {
        var file = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, content);
        return file;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
