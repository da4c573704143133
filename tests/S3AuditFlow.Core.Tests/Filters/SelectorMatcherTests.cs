using System.Text.Json.Nodes;

namespace S3AuditFlow.Core.Tests.Filters;

/// <summary>The CloudTrail selector matcher the property tests trust, held to AWS's documented examples.</summary>
public sealed class SelectorMatcherTests
{
    private static JsonArray Selectors(string json) => JsonNode.Parse(json)!.AsArray();

    // API_AdvancedFieldSelector: "To log all data events for all objects in a specific S3 bucket, use the StartsWith
    // operator, and include only the bucket ARN as the matching value. The trailing slash is intentional; do not exclude it."
    private const string OneBucket = """
        [{"Name": "one bucket", "FieldSelectors": [
          {"Field": "eventCategory", "Equals": ["Data"]},
          {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
          {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::amzn-s3-demo-bucket/"]}]}]
        """;

    [Fact]
    public void StartsWith_the_bucket_ARN_and_slash_logs_its_objects_only()
    {
        Assert.True(SelectorMatcher.Logs(Selectors(OneBucket), TrailEvent.S3("GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/a/b.csv")));
        Assert.False(SelectorMatcher.Logs(Selectors(OneBucket), TrailEvent.S3("GetObject", "arn:aws:s3:::amzn-s3-demo-bucket-2/a/b.csv")));
        Assert.False(SelectorMatcher.Logs(Selectors(OneBucket), new TrailEvent("Management", "GetObject", [("AWS::S3::Object", "arn:aws:s3:::amzn-s3-demo-bucket/x")])));
    }

    [Fact]
    public void A_copy_is_logged_when_any_of_its_objects_matches()
    {
        var copy = TrailEvent.S3("CopyObject", "arn:aws:s3:::other/tmp/x", "arn:aws:s3:::amzn-s3-demo-bucket/hr/payroll.csv");
        Assert.True(SelectorMatcher.Logs(Selectors(OneBucket), copy));
    }

    [Fact]
    public void Not_operators_exclude_and_the_event_is_logged_when_any_selector_matches()
    {
        // filtering-data-events: "if you were logging S3 data events, you could exclude logging for the S3 bucket for
        // your trail"; PutEventSelectors: "if the event matches any event selector, the trail processes and logs the event".
        var selectors = Selectors("""
            [{"Name": "all but the trail bucket", "FieldSelectors": [
               {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
               {"Field": "resources.ARN", "NotStartsWith": ["arn:aws:s3:::trail-bucket/"]}]},
             {"Name": "pem anywhere", "FieldSelectors": [
               {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
               {"Field": "resources.ARN", "EndsWith": [".pem"]}, {"Field": "eventName", "NotEquals": ["PutObject"]}]}]
            """);
        Assert.True(SelectorMatcher.Logs(selectors, TrailEvent.S3("GetObject", "arn:aws:s3:::data/x")));
        Assert.False(SelectorMatcher.Logs(selectors, TrailEvent.S3("GetObject", "arn:aws:s3:::trail-bucket/AWSLogs/x.json.gz")));
        Assert.True(SelectorMatcher.Logs(selectors, TrailEvent.S3("GetObject", "arn:aws:s3:::trail-bucket/keys/id.pem")));
        Assert.False(SelectorMatcher.Logs(selectors, TrailEvent.S3("PutObject", "arn:aws:s3:::trail-bucket/keys/id.pem")));
    }

    [Fact]
    public void Read_only_and_event_name_narrow_the_selector()
    {
        // filtering-data-events: "A value of true logs only read events"; eventName "Equals" GetObject.
        var selectors = Selectors("""
            [{"Name": "reads", "FieldSelectors": [
               {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
               {"Field": "readOnly", "Equals": ["true"]}, {"Field": "eventName", "Equals": ["GetObject", "CopyObject"]}]}]
            """);
        Assert.True(SelectorMatcher.Logs(selectors, TrailEvent.S3("GetObject", "arn:aws:s3:::b/k")));
        Assert.False(SelectorMatcher.Logs(selectors, TrailEvent.S3("CopyObject", "arn:aws:s3:::b/k") with { ReadOnly = false }));
        Assert.False(SelectorMatcher.Logs(selectors, TrailEvent.S3("HeadObject", "arn:aws:s3:::b/k")));
    }

    [Fact]
    public void StartsWith_and_EndsWith_must_hold_for_the_same_resource()
    {
        var selectors = Selectors("""
            [{"Name": "pem in b", "FieldSelectors": [
               {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
               {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::b/"]}, {"Field": "resources.ARN", "EndsWith": [".pem"]}]}]
            """);
        Assert.True(SelectorMatcher.Logs(selectors, TrailEvent.S3("GetObject", "arn:aws:s3:::b/k/id.pem")));
        Assert.False(SelectorMatcher.Logs(selectors, TrailEvent.S3("CopyObject", "arn:aws:s3:::b/k/id.txt", "arn:aws:s3:::c/id.pem")));
    }
}
