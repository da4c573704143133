using System.Diagnostics;
using System.Globalization;
using System.Text;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Events;

namespace S3AuditFlow.Bench;

/// <summary>
/// Measures what a large allowlist and rule set cost: a config of ARN patterns and globs is loaded the way
/// `scan --config` loads it, then every pattern is exercised by matching synthetic accesses. Prints the load time
/// and the managed memory the loaded config keeps, before and after matching (compiled regexes grew on use).
/// Run it in its own process: figures are deltas over what the process held before.
/// </summary>
internal static class PatternBench
{
    public static int Run(int arnCount, int globCount, int accesses)
    {
        var json = Encoding.UTF8.GetBytes(Config(arnCount, globCount));
        var probes = Probes(accesses);
        var baseline = Retained();
        var rssBefore = PeakRssMb();

        var clock = Stopwatch.StartNew();
        var config = ConfigLoader.Load(new MemoryStream(json));
        var loadMs = clock.Elapsed.TotalMilliseconds;
        var loaded = Retained() - baseline;

        clock.Restart();
        var trusted = 0;
        var sensitive = 0;
        foreach (var access in probes)
        {
            trusted += config.Allowlist.Check(access).PrincipalTrusted ? 1 : 0;
            sensitive += config.Classifier.Classify(access) is null ? 0 : 1;
        }
        var matchMs = clock.Elapsed.TotalMilliseconds;
        var used = Retained() - baseline;
        GC.KeepAlive(config);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"patterns: {arnCount:N0} ARN patterns + {globCount:N0} globs loaded in {loadMs:F0} ms, {loaded / 1048576.0:F1} MB retained; " +
            $"{accesses:N0} accesses matched against all of them in {matchMs:F0} ms ({matchMs * 1000 / accesses:F1} µs each; " +
            $"{trusted:N0} principals trusted, {sensitive:N0} keys sensitive), {used / 1048576.0:F1} MB retained after; " +
            $"peak RSS {PeakRssMb() - rssBefore:F0} MB over the {rssBefore:F0} MB before loading"));
        return 0;
    }

    /// <summary>Shapes seen in real allowlists and rule sets, each made distinct by its number.</summary>
    private static string Config(int arnCount, int globCount)
    {
        var principals = Enumerable.Range(0, arnCount).Select(i => (i % 4) switch
        {
            0 => $"arn:aws:iam::{Account(i)}:role/team-{i}-*",
            1 => $"arn:aws:sts::{Account(i)}:assumed-role/AWSReservedSSO_Team{i}_*/*@example.com",
            2 => $"arn:aws:iam::*:role/service-role/app-{i}-??",
            _ => $"arn:aws:iam::{Account(i)}:user/svc-{i}",
        });
        var rules = Enumerable.Range(0, globCount).Select(i => (i % 4) switch
        {
            0 => $"data/team-{i}/**/*.csv",
            1 => $"backups/*/db-{i}-*.sql.gz",
            2 => $"**/secret-{i}?.pem",
            _ => $"exports/{i}/**",
        });
        var builder = new StringBuilder("{\"sources\": [\"10.0.0.0/8\"], \"principals\": [");
        builder.AppendJoin(", ", principals.Select(p => $"\"{p}\""));
        builder.Append("], \"rules\": [");
        builder.AppendJoin(", ", rules.Select(g => $"{{\"type\": \"glob\", \"value\": \"{g}\"}}"));
        return builder.Append("]}").ToString();
    }

    private static string Account(int i) => (100000000000L + i).ToString(CultureInfo.InvariantCulture);

    /// <summary>Accesses that match some patterns and miss most, with keys of realistic depth.</summary>
    private static List<S3Access> Probes(int count)
    {
        var random = new Random(8);
        var probes = new List<S3Access>(count);
        for (var n = 0; n < count; n++)
        {
            var i = random.Next(1000);
            var account = Account(i);
            var role = (n % 3) switch { 0 => $"team-{i}-etl", 1 => $"AWSReservedSSO_Team{i}_abc", _ => $"other-{i}" };
            var principal = new Principal(IdentityTypes.AssumedRole, role, $"arn:aws:sts::{account}:assumed-role/{role}/user{n}@example.com",
                $"arn:aws:iam::{account}:role/{role}", account, null, $"user{n}@example.com");
            var key = (n % 4) switch
            {
                0 => $"data/team-{i}/2026/11/{n}.csv",
                1 => $"backups/2026-11-{n % 28 + 1:D2}/db-{i}-full.sql.gz",
                2 => $"apps/web/config/secret-{i}a.pem",
                _ => $"logs/2026/11/{n % 28 + 1:D2}/app-{n}.log.gz",
            };
            probes.Add(new S3Access($"e{n}", DateTimeOffset.UnixEpoch, "GetObject", "bucket", key, null, principal,
                SourceAddress.From("10.1.2.3", null, null), null, null, null, account, null));
        }
        return probes;
    }

    private static long Retained()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>The kernel's high-water mark of the process (VmHWM), in MB; 0 where /proc is missing.</summary>
    private static double PeakRssMb()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
            return 0;
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }
}
