using System.Globalization;
using S3AuditFlow.Bench;

// Usage: S3AuditFlow.Bench OUTPUT_DIR [FILES] [EVENTS_PER_FILE] [realistic|alert-heavy|harvest]
//        S3AuditFlow.Bench --patterns [ARN_PATTERNS] [GLOBS] [ACCESSES]
//        S3AuditFlow.Bench --first-allowlist-history OUTPUT_DIR
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: S3AuditFlow.Bench OUTPUT_DIR [FILES=200] [EVENTS_PER_FILE=5000] [KIND=realistic|alert-heavy|harvest]");
    Console.Error.WriteLine("       S3AuditFlow.Bench --patterns [ARN_PATTERNS=1000] [GLOBS=1000] [ACCESSES=10000]");
    Console.Error.WriteLine("       S3AuditFlow.Bench --first-allowlist-history OUTPUT_DIR");
    return 2;
}
if (args[0] == "--first-allowlist-history" && args.Length == 2)
{
    // The two weeks the allowlist suggest tests generate (same seed, same bytes), for the README's walk-through.
    var records = S3AuditFlow.TestSupport.FirstAllowlistHistory.Write(args[1]);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"history: {records:N0} records in {Path.Combine(args[1], "logs")}, config in {Path.Combine(args[1], "config.json")}"));
    return 0;
}
if (args[0] == "--patterns")
{
    return PatternBench.Run(
        args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000,
        args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1000,
        args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 10000);
}
var output = args[0];
var files = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
var perFile = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5000;
var kind = (args.Length > 3 ? args[3] : "realistic") switch
{
    "realistic" => CorpusKind.Realistic,
    "alert-heavy" => CorpusKind.AlertHeavy,
    "harvest" => CorpusKind.Harvest,
    var other => throw new ArgumentException($"unknown corpus kind '{other}': realistic, alert-heavy or harvest"),
};

Directory.CreateDirectory(output);
File.WriteAllText(Path.Combine(output, "config.json"), CorpusWriter.Config);
var logs = Path.Combine(output, "logs");
Directory.CreateDirectory(logs);
// Each file gets its own seeded generator, so the corpus is the same on every machine and files can be written in parallel.
Parallel.For(0, files, i => CorpusWriter.WriteLogFile(Path.Combine(logs, $"123456789012_CloudTrail_us-east-1_{i:D5}.json.gz"), perFile, seed: i, files, kind));
var bytes = Directory.EnumerateFiles(logs).Sum(f => new FileInfo(f).Length);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"corpus: {files} files, {(long)files * perFile} events, {bytes / (1024.0 * 1024):F1} MB gzipped in {logs}"));
return 0;
