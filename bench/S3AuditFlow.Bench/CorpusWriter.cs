using System.Globalization;
using System.IO.Compression;
using System.Text.Json;

namespace S3AuditFlow.Bench;

/// <summary>
/// Writes CloudTrail log files ({"Records": [...]}, gzipped) whose mix follows a busy data-event trail: mostly
/// HeadObject and GetObject by workload roles through VPC endpoints, some writes and listings, a little management
/// and other-service noise, and a small share of reads of sensitive keys by principals or sources nobody trusts.
/// Three kinds (<see cref="CorpusKind"/>): the realistic mix (1.5 % of events by untrusted principals, about 1 % of
/// monitored reads alert candidates, five minutes per file); alert-heavy (8 % untrusted, about 5 % of reads alert
/// candidates from many principals and addresses, the files spread over seven days so dedup windows open and close
/// as in a month's backtest); harvest (20 % of events one untrusted role copying the cardholder bucket from one
/// address: every one an alert candidate of one burst, with harvest notifications).
/// </summary>
internal enum CorpusKind { Realistic, AlertHeavy, Harvest }

internal static class CorpusWriter
{
    public const string Config = """
        {
          "version": 1,
          "sources": [
            {"value": "10.0.0.0/8", "note": "VPC private ranges"},
            {"value": "vpce-0a1b2c3d4e5f67890"},
            {"value": "2600:1f18::/32"},
            {"value": "athena.amazonaws.com"}
          ],
          "principals": [
            {"value": "arn:aws:iam::123456789012:role/etl-*"},
            {"value": "reporting"},
            {"value": "athena.amazonaws.com"},
            {"value": "210987654321", "bucket": "shared-datasets"}
          ],
          "rules": [
            {"type": "keyword", "value": "cardholder", "level": "critical"},
            {"type": "keyword", "value": "secret"},
            {"type": "prefix", "value": "hr/exports/", "level": "high"},
            {"type": "glob", "value": "**/*.pem", "level": "critical"},
            {"type": "glob", "value": "backups/*/db-*.sql.gz", "level": "medium"}
          ]
        }
        """;

    private static readonly string[] Buckets = ["prod-data-lake", "shared-datasets", "cg-cardholder-data-bucket", "app-assets"];
    private static readonly string[] Keys =
    [
        "raw/2026/11/27/part-{0:D5}.parquet", "assets/img/{0}.png", "reports/daily/{0}.csv", "hr/exports/payroll-{0}.csv",
        "cardholder/batch-{0}.csv", "certs/service-{0}.pem", "backups/2026-11/db-{0}.sql.gz", "config/secrets-{0}.json",
    ];
    private static readonly string[] TrustedRoles = ["etl-loader", "etl-compactor", "reporting"];
    private static readonly string[] UntrustedRoles = ["contractor-sync", "data-science-sandbox", "legacy-batch", "ci-deployer"];

    public static void WriteLogFile(string path, int events, int seed, int files, CorpusKind kind)
    {
        var random = new Random(seed);
        var harvestPercent = kind == CorpusKind.Harvest ? 20 : 0;
        var untrustedPerMille = kind == CorpusKind.AlertHeavy ? 80 : 15;
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var writer = new Utf8JsonWriter(gzip);
        writer.WriteStartObject();
        writer.WriteStartArray("Records");
        var minutesPerFile = kind == CorpusKind.AlertHeavy ? 7 * 24 * 60.0 / files : 5;
        var start = new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero).AddMinutes(seed * minutesPerFile);
        for (var i = 0; i < events; i++)
        {
            var harvested = random.Next(100) < harvestPercent
                ? string.Create(CultureInfo.InvariantCulture, $"cardholder/harvest-{seed:D5}-{i:D6}.csv")
                : null;
            WriteRecord(writer, random, start.AddMilliseconds(i * 300000.0 / events), harvested, untrustedPerMille, kind);
            if (writer.BytesPending > 1 << 16)
                writer.Flush();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteRecord(Utf8JsonWriter w, Random random, DateTimeOffset time, string? harvestedKey, int untrustedPerMille, CorpusKind kind)
    {
        var roll = harvestedKey is null ? random.Next(1000) : 600;
        var eventName = roll switch
        {
            < 520 => "HeadObject",
            < 800 => "GetObject",
            < 880 => "PutObject",
            < 930 => "ListObjects",
            < 950 => "CopyObject",
            < 965 => "DeleteObject",
            < 975 => "GetObjectTagging",
            < 990 => "GetBucketLocation",
            _ => "Decrypt",
        };
        var untrusted = harvestedKey is not null || random.Next(1000) < untrustedPerMille;
        var bucket = harvestedKey is null ? Buckets[random.Next(Buckets.Length)] : "cg-cardholder-data-bucket";
        var key = harvestedKey ?? string.Format(CultureInfo.InvariantCulture, Keys[random.Next(Keys.Length)], random.Next(100000));

        w.WriteStartObject();
        w.WriteString("eventVersion", "1.09");
        // The alert-heavy corpus spreads its alerts over several principals; the others keep one untrusted role.
        var untrustedRole = !untrusted ? null
            : kind == CorpusKind.AlertHeavy && harvestedKey is null ? UntrustedRoles[random.Next(UntrustedRoles.Length)]
            : "contractor-sync";
        WriteIdentity(w, random, untrustedRole);
        w.WriteString("eventTime", time.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        w.WriteString("eventSource", eventName == "Decrypt" ? "kms.amazonaws.com" : "s3.amazonaws.com");
        w.WriteString("eventName", eventName);
        w.WriteString("awsRegion", "us-east-1");
        w.WriteString("sourceIPAddress", harvestedKey is not null ? "198.51.100.23" : untrusted ? $"198.51.100.{random.Next(256)}" : $"10.{random.Next(256)}.{random.Next(256)}.{random.Next(256)}");
        w.WriteString("userAgent", "[aws-sdk-java/2.25.10 Linux/5.10.219-208.866.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.11+9-LTS Java/17.0.11 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/adaptive]");
        w.WriteStartObject("requestParameters");
        w.WriteString("bucketName", bucket);
        w.WriteString("Host", bucket + ".s3.us-east-1.amazonaws.com");
        if (eventName is not ("ListObjects" or "GetBucketLocation" or "Decrypt"))
            w.WriteString("key", key);
        if (eventName == "CopyObject")
            w.WriteString("x-amz-copy-source", Uri.EscapeDataString(Buckets[random.Next(Buckets.Length)]) + "/" + Uri.EscapeDataString(key));
        w.WriteEndObject();
        w.WriteNull("responseElements");
        w.WriteStartObject("additionalEventData");
        w.WriteString("SignatureVersion", "SigV4");
        w.WriteString("CipherSuite", "TLS_AES_128_GCM_SHA256");
        w.WriteNumber("bytesTransferredIn", 0);
        w.WriteString("AuthenticationMethod", "AuthHeader");
        w.WriteString("x-amz-id-2", "Xq3k9LmB2vTz8WcN+Hf7Rp2QsY4nJ6aDeXq3k9LmB2vTz8WcNHf7Rp2QsY4nJ6aDe" + random.Next(1000000).ToString(CultureInfo.InvariantCulture));
        w.WriteNumber("bytesTransferredOut", eventName == "GetObject" ? random.Next(1, 5_000_000) : 0);
        w.WriteEndObject();
        w.WriteString("requestID", random.NextInt64().ToString("X16", CultureInfo.InvariantCulture));
        w.WriteString("eventID", new Guid(random.Next(), (short)random.Next(), (short)random.Next(), (byte)random.Next(), 1, 2, 3, 4, 5, 6, 7).ToString());
        w.WriteBoolean("readOnly", eventName is not ("PutObject" or "CopyObject" or "DeleteObject"));
        w.WriteStartArray("resources");
        w.WriteStartObject();
        w.WriteString("type", "AWS::S3::Object");
        w.WriteString("ARN", $"arn:aws:s3:::{bucket}/{key}");
        w.WriteEndObject();
        w.WriteStartObject();
        w.WriteString("accountId", "123456789012");
        w.WriteString("type", "AWS::S3::Bucket");
        w.WriteString("ARN", "arn:aws:s3:::" + bucket);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("eventType", "AwsApiCall");
        w.WriteBoolean("managementEvent", eventName == "GetBucketLocation");
        w.WriteString("recipientAccountId", "123456789012");
        if (!untrusted && random.Next(2) == 0)
            w.WriteString("vpcEndpointId", "vpce-0a1b2c3d4e5f67890");
        w.WriteString("eventCategory", eventName == "GetBucketLocation" ? "Management" : "Data");
        w.WriteStartObject("tlsDetails");
        w.WriteString("tlsVersion", "TLSv1.3");
        w.WriteString("cipherSuite", "TLS_AES_128_GCM_SHA256");
        w.WriteString("clientProvidedHostHeader", bucket + ".s3.us-east-1.amazonaws.com");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteIdentity(Utf8JsonWriter w, Random random, string? untrustedRole)
    {
        w.WriteStartObject("userIdentity");
        var kind = random.Next(100);
        if (kind < 85 || untrustedRole is not null)
        {
            var role = untrustedRole ?? TrustedRoles[random.Next(TrustedRoles.Length)];
            var session = "i-0" + random.NextInt64(0x1000000000000, 0xFFFFFFFFFFFFF).ToString("x13", CultureInfo.InvariantCulture);
            w.WriteString("type", "AssumedRole");
            w.WriteString("principalId", "AROARZ3QEXAMPLE" + role.Length + ":" + session);
            w.WriteString("arn", $"arn:aws:sts::123456789012:assumed-role/{role}/{session}");
            w.WriteString("accountId", "123456789012");
            w.WriteString("accessKeyId", "ASIARZ3QEXAMPLE" + random.Next(10000).ToString("D5", CultureInfo.InvariantCulture));
            w.WriteStartObject("sessionContext");
            w.WriteStartObject("sessionIssuer");
            w.WriteString("type", "Role");
            w.WriteString("principalId", "AROARZ3QEXAMPLE" + role.Length);
            w.WriteString("arn", "arn:aws:iam::123456789012:role/" + role);
            w.WriteString("accountId", "123456789012");
            w.WriteString("userName", role);
            w.WriteEndObject();
            w.WriteStartObject("attributes");
            w.WriteString("creationDate", "2026-11-27T00:00:00Z");
            w.WriteString("mfaAuthenticated", "false");
            w.WriteEndObject();
            w.WriteString("ec2RoleDelivery", "2.0");
            w.WriteEndObject();
        }
        else if (kind < 95)
        {
            w.WriteString("type", "IAMUser");
            w.WriteString("principalId", "AIDARZ3QEXAMPLEUSER");
            w.WriteString("arn", "arn:aws:iam::123456789012:user/reporting");
            w.WriteString("accountId", "123456789012");
            w.WriteString("accessKeyId", "AKIARZ3QEXAMPLEKEY01");
            w.WriteString("userName", "reporting");
        }
        else
        {
            w.WriteString("type", "AWSService");
            w.WriteString("invokedBy", "athena.amazonaws.com");
        }
        w.WriteEndObject();
    }
}
