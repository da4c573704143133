using Amazon.DynamoDBv2.Model;
using S3AuditFlow.Core.Harvest;
using S3AuditFlow.Core.Sensitivity;
using static S3AuditFlow.Aws.Dedup.DedupValues;

namespace S3AuditFlow.Aws.Dedup;

/// <summary>A harvest notice as the event item stores it with its decision (<c>harvest</c>), so a retry in the same execution gets it back.</summary>
internal static class HarvestNoticeItem
{
    public static AttributeValue Write(HarvestNotice notice)
    {
        var map = new Dictionary<string, AttributeValue>
        {
            ["harvestId"] = S(notice.HarvestId),
            ["threshold"] = N(notice.Threshold),
            ["principal"] = S(notice.Principal),
            ["source"] = S(notice.Source),
            ["bucket"] = S(notice.Bucket),
            ["outcome"] = S(notice.Outcome),
            ["objects"] = N(notice.Objects),
            ["bytes"] = N(notice.Bytes),
            ["firstTime"] = N(Millis(notice.FirstTime)),
            ["lastTime"] = N(Millis(notice.LastTime)),
            ["highest"] = S(notice.HighestSensitivity.Name()),
            ["sampleKeys"] = new AttributeValue { L = [.. notice.SampleKeys.Select(S)] },
        };
        if (notice.PrincipalArn is { } arn)
            map["principalArn"] = S(arn);
        if (notice.Account is { } account)
            map["account"] = S(account);
        if (notice.AccountAlias is { } alias)
            map["accountAlias"] = S(alias);
        return new AttributeValue { M = map };
    }

    /// <summary>The notice stored on an event item; null when its decision sent none.</summary>
    public static HarvestNotice? Read(Dictionary<string, AttributeValue> eventItem)
    {
        if (!eventItem.TryGetValue("harvest", out var stored) || stored.M is not { Count: > 0 } map)
            return null;
        return new HarvestNotice(
            Text(map, "harvestId") ?? "",
            Number(map, "threshold"),
            Text(map, "principal") ?? "",
            Text(map, "principalArn"),
            Text(map, "source") ?? "",
            Text(map, "bucket") ?? "",
            Text(map, "outcome") ?? "",
            Number(map, "objects"),
            Number(map, "bytes"),
            DateTimeOffset.FromUnixTimeMilliseconds(Number(map, "firstTime")),
            DateTimeOffset.FromUnixTimeMilliseconds(Number(map, "lastTime")),
            Highest(Text(map, "highest") is { } highest ? [highest] : null),
            Keys(map),
            Text(map, "account"),
            Text(map, "accountAlias"));
    }

    /// <summary>The highest of the sensitivity names held (unknown names ignored).</summary>
    public static SensitivityLevel Highest(IEnumerable<string>? names)
    {
        var highest = default(SensitivityLevel);
        foreach (var name in names ?? [])
        {
            if (SensitivityLevels.TryParse(name, out var level) && level > highest)
                highest = level;
        }
        return highest;
    }

    /// <summary>The <c>sampleKeys</c> list of an item or map.</summary>
    public static IReadOnlyList<string> Keys(Dictionary<string, AttributeValue> item) =>
        item.TryGetValue("sampleKeys", out var keys) && keys.L is { } list ? [.. list.Select(k => k.S).OfType<string>()] : [];
}
