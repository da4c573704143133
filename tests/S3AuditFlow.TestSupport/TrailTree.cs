using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.S3;
using Amazon.S3.Model;

namespace S3AuditFlow.TestSupport;

/// <summary>
/// A trail bucket's objects as CloudTrail lays them out: an organization trail (`AWSLogs/o-ORGID/ACCOUNT/…`) for
/// two accounts and two regions, an account trail (`AWSLogs/ACCOUNT/…`) beside it, six days of gzipped log files,
/// CloudTrail-Digest files next to them, and the odd object a trail bucket also holds. Written to a folder or a
/// bucket alike, so a scan of one can be compared with a scan of the other.
/// </summary>
public sealed class TrailTree
{
    /// <summary>The organization of the organization trail.</summary>
    public const string OrgId = "o-abcde12345";

    /// <summary>The organization's member accounts.</summary>
    public static readonly string[] OrgAccounts = ["111111111111", "222222222222"];

    /// <summary>The account with a trail of its own.</summary>
    public const string SoloAccount = "333333333333";

    /// <summary>Regions of every trail.</summary>
    public static readonly string[] Regions = ["us-east-1", "eu-west-1"];

    /// <summary>The first day folder.</summary>
    public static readonly DateOnly FirstDay = new(2026, 9, 29);

    /// <summary>Day folders per account and region.</summary>
    public const int Days = 6;

    /// <summary>Key → content of every object.</summary>
    public SortedDictionary<string, byte[]> Objects { get; } = new(StringComparer.Ordinal);

    /// <summary>The log files (not digests, not the odd objects), by key.</summary>
    public IEnumerable<string> LogKeys => Objects.Keys.Where(k => k.Contains("/CloudTrail/", StringComparison.Ordinal));

    /// <summary>The digest files, by key.</summary>
    public IEnumerable<string> DigestKeys => Objects.Keys.Where(k => k.Contains("/CloudTrail-Digest/", StringComparison.Ordinal));

    /// <summary>
    /// Builds the tree. Each log file holds two GetObject records of the seed's bucket by an untrusted role: a
    /// `cardholder` object read at noon of its day (an alert) and a readme; the first file of each day also holds a
    /// read at 23:58 of the day before, delivered late as CloudTrail does.
    /// </summary>
    public static TrailTree Build()
    {
        var tree = new TrailTree();
        var trails = OrgAccounts.Select(a => (Root: $"AWSLogs/{OrgId}/{a}/", Account: a)).Append(($"AWSLogs/{SoloAccount}/", SoloAccount));
        foreach (var (root, account) in trails)
        {
            foreach (var region in Regions)
            {
                for (var d = 0; d < Days; d++)
                {
                    var day = FirstDay.AddDays(d);
                    var folder = $"{root}CloudTrail/{region}/{day:yyyy/MM/dd}/";
                    for (var file = 0; file < 2; file++)
                    {
                        var id = $"{account}-{region}-{day:yyyyMMdd}-{file}";
                        var records = new List<JsonObject>
                        {
                            Read($"{id}-a", Time(day, 12, file), $"exports/{id}/cardholder.csv", region, account),
                            Read($"{id}-b", Time(day, 12, file), $"docs/{id}/readme.md", region, account),
                        };
                        if (file == 0)
                            records.Insert(0, Read($"{id}-late", Time(day.AddDays(-1), 23, 58), $"exports/{id}/late-cardholder.csv", region, account));
                        var name = $"{account}_CloudTrail_{region}_{day:yyyyMMdd}T{12 + file:00}05Z_{Unique(id)}.json.gz";
                        tree.Objects[folder + name] = Gzip(new JsonObject { ["Records"] = new JsonArray([.. records]) }.ToJsonString());
                    }
                    var digestFolder = $"{root}CloudTrail-Digest/{region}/{day:yyyy/MM/dd}/";
                    tree.Objects[$"{digestFolder}{account}_CloudTrail-Digest_{region}_org-trail_us-east-1_{day:yyyyMMdd}T130000Z.json.gz"] =
                        Gzip($$"""{"awsAccountId":"{{account}}","digestStartTime":"{{day:yyyy-MM-dd}}T12:00:00Z","logFiles":[]}""");
                }
            }
        }
        tree.Objects[$"AWSLogs/{OrgId}/{OrgAccounts[0]}/CloudTrail-Insight/us-east-1/2026/10/01/{OrgAccounts[0]}_CloudTrail-Insight_us-east-1_20261001T0000Z_x.json.gz"] =
            Gzip("""{"Records":[]}""");
        tree.Objects[$"AWSLogs/{OrgAccounts[0]}/elasticloadbalancing/us-east-1/2026/10/01/lb.log.gz"] = Gzip("not json");
        tree.Objects["AWSLogs/"] = [];
        return tree;
    }

    /// <summary>Writes every object under <paramref name="folder"/>, keys as relative paths.</summary>
    public void WriteTo(string folder)
    {
        foreach (var (key, content) in Objects.Where(o => !o.Key.EndsWith('/')))
        {
            var path = Path.Combine(folder, key);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, content);
        }
    }

    /// <summary>Creates <paramref name="bucket"/> and puts every object in it.</summary>
    public async Task UploadAsync(IAmazonS3 s3, string bucket)
    {
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        foreach (var (key, content) in Objects)
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(content) });
    }

    /// <summary>Gzip of <paramref name="text"/>, one member.</summary>
    public static byte[] Gzip(string text)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(Encoding.UTF8.GetBytes(text));
        return output.ToArray();
    }

    private static JsonObject Read(string id, string time, string key, string region, string account)
    {
        var record = CloudTrailRecords.Record(id, key, role: "etl", time: time);
        record["awsRegion"] = region;
        record["recipientAccountId"] = account;
        return record;
    }

    private static string Time(DateOnly day, int hour, int minute) =>
        day.ToDateTime(new TimeOnly(hour, minute)).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>The 16 characters CloudTrail puts in a file name so it is never overwritten.</summary>
    private static string Unique(string id) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(id)))[..16];
}
