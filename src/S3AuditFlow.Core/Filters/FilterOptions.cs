namespace S3AuditFlow.Core.Filters;

/// <summary>What the filter compiler may assume.</summary>
/// <param name="CaseExactKeywords">
/// Filter keyword rules by their exact case (EventBridge <c>wildcard</c> is case-sensitive). Off by default: the
/// rules match keywords case-insensitively, and a filter that let "CardHolder.csv" pass only when the rule is written
/// "CardHolder" would silently miss reads the rule alerts on.
/// </param>
/// <param name="Partition">The ARN partition of the trail's resources: aws, aws-cn or aws-us-gov.</param>
/// <param name="MaxPatternLength">
/// EventBridge's event pattern size quota: 2,048 characters by default, adjustable to 4,096 on request. A pattern
/// that would be longer is left unfiltered (and the output says so) rather than refused at deployment.
/// </param>
public sealed record FilterOptions(bool CaseExactKeywords = false, string Partition = "aws", int MaxPatternLength = 2048)
{
    /// <summary>CloudTrail's quota: at most 500 values across all conditions of all advanced event selectors of a trail.</summary>
    public const int MaxTrailValues = 500;

    /// <summary>The partitions a trail's S3 object ARNs can carry.</summary>
    public static readonly IReadOnlyList<string> Partitions = ["aws", "aws-cn", "aws-us-gov"];

    /// <summary>The partition of a region (cn-north-1 → aws-cn, us-gov-west-1 → aws-us-gov); aws for any other or none.</summary>
    public static string PartitionOf(string? region) =>
        region is null ? "aws"
        : region.StartsWith("cn-", StringComparison.Ordinal) ? "aws-cn"
        : region.StartsWith("us-gov-", StringComparison.Ordinal) ? "aws-us-gov"
        : "aws";
}
