using System.Text.Json.Nodes;

namespace S3AuditFlow.Core.Tests.Filters;

/// <summary>The EventBridge matcher the property tests trust, held to AWS's documented examples.</summary>
public sealed class EventPatternMatcherTests
{
    private static bool Matches(string pattern, string @event) => EventPatternMatcher.Matches(JsonNode.Parse(pattern)!, JsonNode.Parse(@event));

    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html: "The following event pattern
    // selects all Amazon EC2 instance-termination events" — with the example EC2 event from that page.
    private const string Ec2Event = """
        {"version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "EC2 Instance State-change Notification",
         "source": "aws.ec2", "account": "111122223333", "time": "2017-12-22T18:43:48Z", "region": "us-west-1",
         "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
         "detail": {"instance-id": "i-1234567890abcdef0", "state": "terminated"}}
        """;

    [Fact]
    public void Fields_are_anded_and_nested_objects_follow_the_event()
    {
        const string pattern = """{"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"], "detail": {"state": ["terminated"]}}""";
        Assert.True(Matches(pattern, Ec2Event));
        Assert.False(Matches(pattern, Ec2Event.Replace("\"terminated\"", "\"running\"", StringComparison.Ordinal)));
        Assert.False(Matches("""{"source": ["aws.ec2"], "detail": {"missing": ["x"]}}""", Ec2Event));
        Assert.False(Matches("""{"source": ["aws.ec2"], "detail": {"state": {"deeper": ["x"]}}}""", Ec2Event));
    }

    [Fact]
    public void Values_of_a_field_are_alternatives() =>
        // eb-event-patterns: {"source": ["aws.ec2", "aws.fargate"]} matches events from either.
        Assert.True(Matches("""{"source": ["aws.ec2", "aws.fargate"]}""", Ec2Event));

    [Fact]
    public void Prefix_and_suffix_match_the_documented_examples()
    {
        // eb-create-pattern-operators: "time" starting with "2017-10-02" such as "2017-10-02T18:43:48Z"; FileName ending ".png".
        Assert.True(Matches("""{"time": [{"prefix": "2017-10-02"}]}""", """{"time": "2017-10-02T18:43:48Z"}"""));
        Assert.False(Matches("""{"time": [{"prefix": "2017-10-02"}]}""", """{"time": "2017-10-03T18:43:48Z"}"""));
        Assert.True(Matches("""{"FileName": [{"suffix": ".png"}]}""", """{"FileName": "image.png"}"""));
        Assert.False(Matches("""{"FileName": [{"suffix": ".png"}]}""", """{"FileName": "image.PNG"}"""));
    }

    [Fact]
    public void Anything_but_excludes_a_value_a_list_or_a_prefix()
    {
        // eb-create-pattern-operators: "state" anything but "initializing"; a list; "anything-but": {"prefix": "init"}.
        Assert.False(Matches("""{"detail": {"state": [{"anything-but": "initializing"}]}}""", """{"detail": {"state": "initializing"}}"""));
        Assert.True(Matches("""{"detail": {"state": [{"anything-but": "initializing"}]}}""", """{"detail": {"state": "running"}}"""));
        Assert.False(Matches("""{"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}""", """{"detail": {"state": "stopped"}}"""));
        Assert.True(Matches("""{"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}""", """{"detail": {"state": "running"}}"""));
        Assert.False(Matches("""{"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}""", """{"detail": {"state": "initializing"}}"""));
        Assert.False(Matches("""{"detail": {"state": [{"anything-but": "initializing"}]}}""", """{"detail": {}}"""));
    }

    [Fact]
    public void Exists_and_empty_values()
    {
        // eb-create-pattern-operators: "ProductName" exists / does not exist; "LastName": [""] is empty.
        Assert.True(Matches("""{"detail": {"ProductName": [{"exists": true}]}}""", """{"detail": {"ProductName": "x"}}"""));
        Assert.False(Matches("""{"detail": {"ProductName": [{"exists": true}]}}""", """{"detail": {}}"""));
        Assert.True(Matches("""{"detail": {"ProductName": [{"exists": false}]}}""", """{"detail": {}}"""));
        Assert.True(Matches("""{"LastName": [""]}""", """{"LastName": ""}"""));
        Assert.False(Matches("""{"LastName": [""]}""", """{"LastName": "Doe"}"""));
    }

    [Fact]
    public void An_event_array_matches_when_it_shares_a_value_with_the_pattern()
    {
        // eb-event-patterns-arrays: the pattern's first ARN is the event's second, so the pattern matches.
        const string pattern = """
            {"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f", "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f",
                           "arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f"]}
            """;
        const string @event = """
            {"resources": ["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate",
                           "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]}
            """;
        Assert.True(Matches(pattern, @event));
        Assert.False(Matches(pattern, """{"resources": ["arn:aws:ec2:us-east-1:999999999999:instance/i-b188560f"]}"""));
    }

    [Fact]
    public void Or_passes_when_any_branch_does()
    {
        // event-ruler README: "Effect of "source" && ("metricName" || "namespace")".
        const string pattern = """
            {"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization", "ReadLatency"]}, {"namespace": ["AWS/EC2", "AWS/ES"]}]}
            """;
        Assert.True(Matches(pattern, """{"source": "aws.cloudwatch", "metricName": "ReadLatency"}"""));
        Assert.True(Matches(pattern, """{"source": "aws.cloudwatch", "namespace": "AWS/ES"}"""));
        Assert.False(Matches(pattern, """{"source": "aws.cloudwatch", "namespace": "AWS/S3"}"""));
        Assert.False(Matches(pattern, """{"source": "aws.ec2", "metricName": "ReadLatency"}"""));
        Assert.Throws<NotSupportedException>(() => Matches("""{"$or": [{"a": ["b"]}]}""", """{"a": "b"}"""));
    }

    [Theory]
    // The EventBridge wildcard blog post: "*.png" matches strings that end with ".png"; "*Title*" those with "Title" in them.
    // event-ruler README: "Simple*Service"; \* is an asterisk and \\ a backslash.
    [InlineData("*.png", "holiday/beach.png", true)]
    [InlineData("*.png", "beach.png.txt", false)]
    [InlineData("*Title*", "The Title Page", true)]
    [InlineData("*Title*", "Title", true)]
    [InlineData("*Title*", "The title page", false)]
    [InlineData("Simple*Service", "SimpleQueueService", true)]
    [InlineData("Simple*Service", "SimpleService", true)]
    [InlineData("Simple*Service", "Simple/Storage/Service", true)]
    [InlineData("Simple*Service", "SimpleServices", false)]
    [InlineData("a\\*b", "a*b", true)]
    [InlineData("a\\*b", "axb", false)]
    [InlineData("a\\\\*", "a\\bc", true)]
    [InlineData("a*b*a", "aba", true)]
    [InlineData("a*b*a", "aa", false)]
    [InlineData("ab*ba", "aba", false)]
    [InlineData("ab*ba", "abba", true)]
    public void Wildcard_matches_as_documented(string wildcard, string text, bool expected) =>
        Assert.Equal(expected, EventPatternMatcher.Wildcard(wildcard, text));

    [Theory]
    [InlineData("a**b")]
    [InlineData("a\\b")]
    [InlineData("a\\")]
    public void Wildcard_refuses_what_EventBridge_refuses(string wildcard) =>
        Assert.Throws<FormatException>(() => EventPatternMatcher.Wildcard(wildcard, "ab"));
}
