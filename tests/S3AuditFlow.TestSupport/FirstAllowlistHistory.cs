using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace S3AuditFlow.TestSupport;

/// <summary>
/// Two weeks of CloudTrail S3 data events (2026-03-02 to 2026-03-15) for a team turning S3AuditFlow on: a config with
/// almost no allowlist, routine workloads, and the behaviours a first allowlist must never trust. Deterministic (one
/// seeded generator), written as one gzipped log file per day. Used by the `allowlist suggest` tests and by
/// bench/first-allowlist.sh, which writes it for the README's walk-through.
/// </summary>
/// <remarks>
/// Routine (seen every day at a steady rate): etl-loader on 10.0.1.15 (cardholder bucket); etl-compactor on three
/// addresses of 10.0.2.0/24 (both buckets); reporting through a VPC endpoint from changing 10.20.x.x addresses (its
/// source is already trusted by the config's 10.20.0.0/16); the AWS Backup service; ml-feature on 10.0.4.10;
/// data-science on 10.0.4.11; partner-export (an IAM user) on the public 198.51.100.20 (HR bucket).
/// Never routine: a harvest of 250 cardholder files by etl-loader's credentials from the new public 203.0.113.50 on
/// 2026-03-13; the Root user reading from the ETL host 10.0.1.15 on 2026-03-07; alice (10.0.3.40, daily) refused six
/// times then succeeding on 2026-03-10; data-science on the shared host 10.0.4.10, three reads a day and 150 on
/// 2026-03-12 (a burst); contractor-sync on 10.0.5.5 on three days only.
/// </remarks>
public static class FirstAllowlistHistory
{
    /// <summary>The account of every principal.</summary>
    public const string Account = "123456789012";
    /// <summary>The cardholder bucket (keyword rule).</summary>
    public const string CardholderBucket = "acme-cardholder-data";
    /// <summary>The HR bucket (prefix rule payroll/).</summary>
    public const string HrBucket = "acme-hr-exports";
    /// <summary>Where non-sensitive reads go.</summary>
    public const string AssetsBucket = "acme-app-assets";
    /// <summary>The reporting role's VPC endpoint.</summary>
    public const string ReportingEndpoint = "vpce-0a1b2c3d4e5f60001";
    /// <summary>The first day.</summary>
    public static readonly DateOnly FirstDay = new(2026, 3, 2);
    /// <summary>Days of history.</summary>
    public const int Days = 14;

    /// <summary>The team's config before tuning: the rules, and one source entry (the reporting VPC).</summary>
    public const string Config = """
        {
          "version": 1,
          "sources": [
            {"value": "10.20.0.0/16", "note": "reporting VPC"}
          ],
          "principals": [],
          "rules": [
            {"type": "keyword", "value": "cardholder", "level": "critical"},
            {"type": "prefix", "value": "payroll/", "level": "high"}
          ]
        }
        """;

    /// <summary>Role ARN of a role of the account.</summary>
    public static string RoleArn(string role) => $"arn:aws:iam::{Account}:role/{role}";

    /// <summary>User ARN of a user of the account.</summary>
    public static string UserArn(string user) => $"arn:aws:iam::{Account}:user/{user}";

    /// <summary>Writes config.json and logs/ (one .json.gz per day) into <paramref name="folder"/>; returns the number of records.</summary>
    public static int Write(string folder, int seed = 12)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), Config);
        var logs = Path.Combine(folder, "logs");
        Directory.CreateDirectory(logs);
        var random = new Random(seed);
        var written = 0;
        for (var d = 0; d < Days; d++)
        {
            var day = FirstDay.AddDays(d);
            var records = Day(random, d, new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
            var name = $"{Account}_CloudTrail_us-east-1_{day:yyyyMMdd}T0000Z_history.json.gz";
            using var file = File.Create(Path.Combine(logs, name));
            using var gzip = new GZipStream(file, CompressionLevel.Fastest);
            using var writer = new Utf8JsonWriter(gzip);
            new JsonObject { ["Records"] = new JsonArray([.. records]) }.WriteTo(writer);
            written += records.Count;
        }
        return written;
    }

    private static List<JsonNode?> Day(Random random, int d, DateTimeOffset midnight)
    {
        var records = new List<JsonNode?>();
        DateTimeOffset Any() => midnight.AddSeconds(random.Next(86_400));
        string CardholderKey(int pool) => string.Create(CultureInfo.InvariantCulture, $"cardholder/batch-{random.Next(pool):D4}.csv");
        string PayrollKey() => string.Create(CultureInfo.InvariantCulture, $"payroll/2026-03/employee-{random.Next(300):D4}.csv");
        void Add(Identity who, string ip, string bucket, string key, DateTimeOffset time, string? vpce = null, string? error = null) =>
            records.Add(Record(random, who, ip, bucket, key, time, vpce, error));

        var etlLoader = Identity.Role("etl-loader");
        for (var i = 0; i < 30; i++)
            Add(etlLoader, "10.0.1.15", CardholderBucket, CardholderKey(400), Any());
        var compactor = Identity.Role("etl-compactor");
        string[] compactorHosts = ["10.0.2.21", "10.0.2.22", "10.0.2.87"];
        for (var i = 0; i < 20; i++)
        {
            Add(compactor, compactorHosts[random.Next(3)], CardholderBucket, CardholderKey(400), Any());
            Add(compactor, compactorHosts[random.Next(3)], HrBucket, PayrollKey(), Any());
        }
        var reporting = Identity.Role("reporting");
        for (var i = 0; i < 15; i++)
            Add(reporting, $"10.20.{random.Next(1, 4)}.{random.Next(2, 250)}", HrBucket, PayrollKey(), Any(), ReportingEndpoint);
        for (var i = 0; i < 10; i++)
            Add(Identity.Service("backup.amazonaws.com"), "backup.amazonaws.com", CardholderBucket, CardholderKey(400), Any());
        var mlFeature = Identity.Role("ml-feature");
        for (var i = 0; i < 12; i++)
            Add(mlFeature, "10.0.4.10", CardholderBucket, CardholderKey(400), Any());
        var dataScience = Identity.Role("data-science");
        for (var i = 0; i < 8; i++)
            Add(dataScience, "10.0.4.11", CardholderBucket, CardholderKey(400), Any());
        string[] notebookKeys = ["cardholder/sample-a.csv", "cardholder/sample-b.csv", "cardholder/sample-c.csv", "cardholder/sample-d.csv", "cardholder/sample-e.csv"];
        var shared = d == 10 ? 150 : 3;
        for (var i = 0; i < shared; i++)
            Add(dataScience, "10.0.4.10", CardholderBucket, notebookKeys[random.Next(notebookKeys.Length)], Any());
        var partner = Identity.User("partner-export");
        for (var i = 0; i < 4; i++)
            Add(partner, "198.51.100.20", HrBucket, PayrollKey(), Any());

        var alice = Identity.User("alice");
        if (d == 8)
        {
            var probe = midnight.AddHours(14);
            for (var i = 0; i < 6; i++)
                Add(alice, "10.0.3.40", CardholderBucket, CardholderKey(400), probe.AddMinutes(i), error: "AccessDenied");
            for (var i = 0; i < 5; i++)
                Add(alice, "10.0.3.40", CardholderBucket, CardholderKey(400), probe.AddMinutes(20 + (i * 30)));
        }
        else
        {
            for (var i = 0; i < 5; i++)
                Add(alice, "10.0.3.40", CardholderBucket, CardholderKey(400), Any());
        }
        if (d is 1 or 5 or 8)
        {
            for (var i = 0; i < 6; i++)
                Add(Identity.Role("contractor-sync"), "10.0.5.5", CardholderBucket, CardholderKey(400), Any());
        }
        if (d == 5)
        {
            for (var i = 0; i < 4; i++)
                Add(Identity.Root(), "10.0.1.15", CardholderBucket, CardholderKey(400), midnight.AddHours(3).AddMinutes(7 * i));
        }
        if (d == 11)
        {
            // 250 distinct files, one every 10 seconds: one burst, past the 100-object harvest threshold.
            var start = midnight.AddHours(2).AddMinutes(13);
            for (var i = 0; i < 250; i++)
                Add(etlLoader, "203.0.113.50", CardholderBucket, string.Create(CultureInfo.InvariantCulture, $"cardholder/archive-{i:D4}.csv"), start.AddSeconds(10 * i));
        }

        // Reads nothing sensitive: judged, never alert candidates.
        for (var i = 0; i < 200; i++)
            Add(Identity.Role("web-frontend"), $"10.0.9.{random.Next(2, 250)}", AssetsBucket, string.Create(CultureInfo.InvariantCulture, $"img/{random.Next(5000)}.png"), Any());
        return records;
    }

    private sealed record Identity(JsonObject Json)
    {
        public static Identity Role(string role) => new(new JsonObject
        {
            ["type"] = "AssumedRole",
            ["principalId"] = $"AROAEXAMPLE{role.ToUpperInvariant().Replace("-", "", StringComparison.Ordinal)}:session",
            ["arn"] = $"arn:aws:sts::{Account}:assumed-role/{role}/{role}-session",
            ["accountId"] = Account,
            ["accessKeyId"] = "ASIAEXAMPLE" + role.Length.ToString(CultureInfo.InvariantCulture),
            ["sessionContext"] = new JsonObject
            {
                ["sessionIssuer"] = new JsonObject
                {
                    ["type"] = "Role",
                    ["principalId"] = "AROAEXAMPLE" + role.ToUpperInvariant().Replace("-", "", StringComparison.Ordinal),
                    ["arn"] = RoleArn(role),
                    ["accountId"] = Account,
                    ["userName"] = role,
                },
                ["attributes"] = new JsonObject { ["creationDate"] = "2026-03-01T00:00:00Z", ["mfaAuthenticated"] = "false" },
            },
        });

        public static Identity User(string user) => new(new JsonObject
        {
            ["type"] = "IAMUser",
            ["principalId"] = "AIDAEXAMPLE" + user.ToUpperInvariant().Replace("-", "", StringComparison.Ordinal),
            ["arn"] = UserArn(user),
            ["accountId"] = Account,
            ["accessKeyId"] = "AKIAEXAMPLE" + user.Length.ToString(CultureInfo.InvariantCulture),
            ["userName"] = user,
        });

        public static Identity Root() => new(new JsonObject
        {
            ["type"] = "Root",
            ["principalId"] = Account,
            ["arn"] = $"arn:aws:iam::{Account}:root",
            ["accountId"] = Account,
            ["accessKeyId"] = "ASIAEXAMPLEROOT",
        });

        public static Identity Service(string service) => new(new JsonObject { ["type"] = "AWSService", ["invokedBy"] = service });
    }

    private static JsonObject Record(Random random, Identity who, string ip, string bucket, string key, DateTimeOffset time, string? vpce, string? error)
    {
        var record = new JsonObject
        {
            ["eventVersion"] = "1.10",
            ["userIdentity"] = who.Json.DeepClone(),
            ["eventTime"] = time.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["eventSource"] = "s3.amazonaws.com",
            ["eventName"] = "GetObject",
            ["awsRegion"] = "us-east-1",
            ["sourceIPAddress"] = ip,
            ["userAgent"] = "[aws-sdk-java/2.25.10]",
            ["requestParameters"] = new JsonObject { ["bucketName"] = bucket, ["Host"] = bucket + ".s3.us-east-1.amazonaws.com", ["key"] = key },
            ["responseElements"] = null,
            ["additionalEventData"] = new JsonObject { ["bytesTransferredOut"] = error is null ? random.Next(1_000, 2_000_000) : 0 },
            ["requestID"] = random.NextInt64().ToString("X16", CultureInfo.InvariantCulture),
            ["eventID"] = new Guid([.. Enumerable.Range(0, 16).Select(_ => (byte)random.Next(256))]).ToString(),
            ["readOnly"] = true,
            ["resources"] = new JsonArray(
                new JsonObject { ["type"] = "AWS::S3::Object", ["ARN"] = $"arn:aws:s3:::{bucket}/{key}" },
                new JsonObject { ["accountId"] = Account, ["type"] = "AWS::S3::Bucket", ["ARN"] = "arn:aws:s3:::" + bucket }),
            ["eventType"] = "AwsApiCall",
            ["managementEvent"] = false,
            ["recipientAccountId"] = Account,
            ["eventCategory"] = "Data",
        };
        if (vpce is not null)
            record["vpcEndpointId"] = vpce;
        if (error is not null)
        {
            record["errorCode"] = error;
            record["errorMessage"] = "Access Denied";
        }
        return record;
    }
}
