using System.Text.Json.Nodes;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Tests.Support;

namespace S3AuditFlow.Core.Tests.Events;

public class CloudTrailParserTests
{
    private readonly CloudTrailParser _parser = Fixtures.DefaultParser();

    private ParseResult Parse(string fixture) => _parser.Parse(Fixtures.Element(fixture));

    private ParseResult Parse(JsonNode node) => _parser.Parse(Fixtures.ToElement(node));

    [Fact]
    public void ReadsEveryFieldOfAGetObject()
    {
        var access = Fixtures.Access("record-GetObject-assumed-role.json");

        Assert.Equal("a3d9e1f0-52b7-4c8e-8f16-7b0c9d2e4a35", access.EventId);
        Assert.Equal(new DateTimeOffset(2024, 11, 5, 14, 3, 12, TimeSpan.Zero), access.EventTime);
        Assert.Equal("GetObject", access.EventName);
        Assert.Equal("acme-finance-exports", access.Bucket);
        Assert.Equal("exports/2024/cardholder-data.csv", access.Key);
        Assert.Null(access.CopySource);
        Assert.Equal(new ObjectRef("acme-finance-exports", "exports/2024/cardholder-data.csv"), access.ReadObject);
        Assert.Null(access.CopyDestination);
        Assert.Equal("role/etl", access.Principal.Label);
        Assert.Equal(SourceKind.Ip, access.Source.Kind);
        Assert.Equal("54.177.149.226", access.Source.Value);
        Assert.StartsWith("[aws-cli/2.17.60", access.Source.UserAgent, StringComparison.Ordinal);
        Assert.Null(access.ErrorCode);
        Assert.False(access.Failed);
        Assert.Equal("succeeded", access.Outcome);
        Assert.Equal("eu-west-1", access.Region);
        Assert.Equal("111122223333", access.RecipientAccountId);
        Assert.Equal(48213, access.BytesTransferredOut);
    }

    [Fact]
    public void EventBridgeEnvelopeAndBareRecordGiveTheSameAccess()
    {
        var envelope = Fixtures.Element("eventbridge-GetObject-sso-role.json");

        var fromEnvelope = _parser.Parse(envelope);
        var fromBare = _parser.Parse(envelope.GetProperty("detail"));

        Assert.NotNull(fromEnvelope.Access);
        Assert.Equal(fromBare, fromEnvelope);
        Assert.Equal("c2f4a6b8-1d3e-4f50-9a7b-8c9d0e1f2a3b", fromEnvelope.EventId);
    }

    [Fact]
    public void NativeS3ObjectCreatedNotificationIsIgnored()
    {
        var result = Parse("public/NEGATIVE_aws-lambda-dotnet_native-eventbridge_s3-ObjectCreated.json");

        Assert.Equal(Verdict.Ignored, result.Final);
        Assert.Contains("\"Object Created\"", result.Reason, StringComparison.Ordinal);
        Assert.Contains("aws.s3", result.Reason, StringComparison.Ordinal);
        Assert.Equal("17793124-05d4-b198-2fde-7ededc63b103", result.EventId);
    }

    [Fact]
    public void CloudTrailEnvelopeWithoutDetailIsMalformed()
    {
        var node = Fixtures.Node("eventbridge-GetObject-sso-role.json");
        node.Remove("detail");

        var result = Parse(node);

        Assert.Equal(Verdict.Malformed, result.Final);
        Assert.Equal("5e2b7c1d-9a4f-3e6b-0c8d-1f2a3b4c5d6e", result.EventId);
    }

    [Fact]
    public void VpcEndpointNetworkActivityGetObjectIsIgnored()
    {
        var result = Parse("public/panther_AWS.CloudTrail.VPCE.S3ExternalIP_test_NetworkActivity-GetObject.json");

        Assert.Equal(Verdict.Ignored, result.Final);
        Assert.Null(result.Access);
    }

    [Fact]
    public void NetworkActivityCategoryIsIgnoredEvenAsAnApiCall()
    {
        var node = Fixtures.Node("record-GetObject-assumed-role.json");
        node["eventCategory"] = "NetworkActivity";

        var result = Parse(node);

        Assert.Equal(Verdict.Ignored, result.Final);
        Assert.Equal("network activity event (GetObject)", result.Reason);
    }

    [Theory]
    [InlineData("public/elastic-integrations_test-assume-role-aws-service-json_AWSService-userIdentity.json", "eventSource sts.amazonaws.com is not S3")]
    [InlineData("public/aws-docs_s3-outposts_PutObject_data-event.json", "eventSource s3-outposts.amazonaws.com is not S3")]
    public void OtherServicesAreIgnored(string fixture, string reason)
    {
        var result = Parse(fixture);

        Assert.Equal(Verdict.Ignored, result.Final);
        Assert.Equal(reason, result.Reason);
    }

    [Fact]
    public void NonApiCallEventTypesAreIgnored()
    {
        var node = Fixtures.Node("record-GetObject-assumed-role.json");
        node["eventType"] = "AwsServiceEvent";

        Assert.Equal(Verdict.Ignored, Parse(node).Final);
    }

    [Fact]
    public void S3ManagementEventIsIgnored()
    {
        Assert.Equal(Verdict.Ignored, Parse("record-PutBucketPolicy-management.json").Final);
    }

    [Theory]
    [InlineData("public/alexwlchan-blog_AssumedRole-ECS_HeadObject_vpce_private-ip.json", "HeadObject")]
    [InlineData("public/thm-aoc2024-day7_IAMUser-console_ListObjects_vpce.json", "ListObjects")]
    [InlineData("public/thm-aoc2024-day7_IAMUser-presigned-QueryString_PutObject.json", "PutObject")]
    [InlineData("public/stratus_aws.impact.s3-ransomware-individual-deletion_DeleteObject_shortened.json", "DeleteObject")]
    public void OtherS3DataEventsAreNotMonitored(string fixture, string eventName)
    {
        var result = Parse(fixture);

        Assert.Equal(Verdict.NotMonitored, result.Final);
        Assert.Equal($"{eventName} is not a monitored event", result.Reason);
    }

    [Fact]
    public void MonitoredEventsAreConfigurable()
    {
        var parser = new CloudTrailParser(new HashSet<string>(["HeadObject"], StringComparer.Ordinal));

        Assert.NotNull(parser.Parse(Fixtures.Element("public/alexwlchan-blog_AssumedRole-ECS_HeadObject_vpce_private-ip.json")).Access);
        Assert.Equal(Verdict.NotMonitored, parser.Parse(Fixtures.Element("record-GetObject-iamuser.json")).Final);
    }

    [Theory]
    [InlineData("eventID", null, "GetObject without eventID")]
    [InlineData("eventTime", null, "GetObject without eventTime")]
    [InlineData("eventTime", "yesterday", "eventTime \"yesterday\" is not a date and time")]
    [InlineData("eventTime", "None", "GetObject without eventTime")]
    [InlineData("requestParameters", null, "GetObject without requestParameters.bucketName")]
    [InlineData("requestParameters.bucketName", null, "GetObject without requestParameters.bucketName")]
    [InlineData("requestParameters.bucketName", "", "GetObject without requestParameters.bucketName")]
    [InlineData("requestParameters.key", null, "GetObject without requestParameters.key")]
    [InlineData("eventSource", null, "not a CloudTrail record: missing eventSource")]
    [InlineData("eventName", null, "not a CloudTrail record: missing eventName")]
    public void RecordWithoutWhatADataEventNeedsIsMalformed(string field, string? value, string reason)
    {
        var node = Fixtures.Node("record-GetObject-iamuser.json");
        var (parent, name) = field.Contains('.', StringComparison.Ordinal)
            ? (node["requestParameters"]!.AsObject(), field.Split('.')[1])
            : (node, field);
        if (value is null)
            parent.Remove(name);
        else
            parent[name] = value;

        var result = Parse(node);

        Assert.Equal(Verdict.Malformed, result.Final);
        Assert.Equal(reason, result.Reason);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"GetObject\"")]
    [InlineData("42")]
    public void NonObjectIsMalformed(string json)
    {
        Assert.Equal(Verdict.Malformed, _parser.Parse(Fixtures.Parse(json)).Final);
    }

    [Theory]
    [InlineData("2024-11-05T14:03:12Z", "2024-11-05T14:03:12Z")]
    [InlineData("2021-08-16 16:39:43", "2021-08-16T16:39:43Z")]
    [InlineData("2024-11-05T16:03:12+02:00", "2024-11-05T14:03:12Z")]
    [InlineData("2024-11-05T14:03:12.123Z", "2024-11-05T14:03:12.123Z")]
    public void EventTimeFormatsParseAsUtc(string text, string expected)
    {
        Assert.True(CloudTrailParser.TryParseTime(text, out var time));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), time);
        Assert.Equal(TimeSpan.Zero, time.Offset);
    }

    [Theory]
    [InlineData("11/05/2024 14:03:12")]
    [InlineData("03/04/2025")]
    [InlineData("2024-11-05")]
    [InlineData("Tue, 05 Nov 2024 14:03:12 GMT")]
    [InlineData("5 November 2024 14:03")]
    [InlineData("2024-11-05T14:03:12 PM")]
    [InlineData("9999-12-31T23:59:59-01:00")]
    public void EventTimeOutsideIsoFormsIsMalformed(string text)
    {
        var node = Fixtures.Node("record-GetObject-iamuser.json");
        node["eventTime"] = text;

        var result = Parse(node);

        Assert.Equal(Verdict.Malformed, result.Final);
        Assert.Equal($"eventTime \"{text}\" is not a date and time", result.Reason);
    }

    [Fact]
    public void EventTimeFixturesAreReadStrictly()
    {
        Assert.Equal(Verdict.Malformed, Parse("record-GetObject-eventtime-not-iso.json").Final);
        Assert.Equal(DateTimeOffset.MaxValue.UtcTicks / TimeSpan.TicksPerSecond,
            Fixtures.Access("record-GetObject-eventtime-year-9999.json").EventTime.UtcTicks / TimeSpan.TicksPerSecond);
    }

    [Fact]
    public void PythonReserialisedRecordParses()
    {
        var access = Fixtures.Access("record-GetObject-python-reserialized.json");

        Assert.Equal(new DateTimeOffset(2021, 8, 16, 16, 39, 43, TimeSpan.Zero), access.EventTime);
        Assert.Equal(2441, access.BytesTransferredOut);
        Assert.Null(access.Source.VpcEndpointId);
        Assert.Equal("user/s3reader", access.Principal.Label);
    }

    [Fact]
    public void PythonReserialisedEventBridgePutObjectParsesWhenMonitored()
    {
        var parser = new CloudTrailParser(new HashSet<string>(["PutObject"], StringComparer.Ordinal));

        var access = parser.Parse(Fixtures.Element("public/eventbridge-wrapped_PutObject_python-reserialized_provenance-unclear.json")).Access;

        Assert.NotNull(access);
        Assert.Equal(0, access.BytesTransferredOut);
        Assert.Equal(new ObjectRef("sam-wordcount-app-src", "input.txt"), access.ReadObject);
        Assert.Equal("user/s3upload", access.Principal.Label);
    }

    [Theory]
    [InlineData("\"2232\"", 2232L)]
    [InlineData("2232.0", 2232L)]
    [InlineData("\"None\"", null)]
    public void BytesTransferredOutToleratesReserialisedNumbers(string json, long? expected)
    {
        var node = Fixtures.Node("record-GetObject-iamuser.json");
        node["additionalEventData"]!["bytesTransferredOut"] = JsonNode.Parse(json);

        Assert.Equal(expected, Fixtures.AccessOf(Fixtures.ToElement(node)).BytesTransferredOut);
    }

    [Fact]
    public void CapitalKeyIsRead()
    {
        var node = Fixtures.Node("record-GetObject-iamuser.json");
        var request = node["requestParameters"]!.AsObject();
        request.Remove("key");
        request["Key"] = "path/upload.sh";

        Assert.Equal("path/upload.sh", Fixtures.AccessOf(Fixtures.ToElement(node)).Key);
    }

    [Fact]
    public void UserIdentityNoneStillGivesAnAccessByAnUnknownPrincipal()
    {
        var node = Fixtures.Node("record-GetObject-iamuser.json");
        node["userIdentity"] = "None";

        var access = Fixtures.AccessOf(Fixtures.ToElement(node));

        Assert.Equal(IdentityTypes.Unknown, access.Principal.Type);
        Assert.Equal("unknown", access.Principal.Name);
    }

    [Fact]
    public void FailedRequestKeepsItsErrorCode()
    {
        var access = Fixtures.Access("record-GetObject-access-denied.json");

        Assert.True(access.Failed);
        Assert.Equal("AccessDenied", access.ErrorCode);
        Assert.Equal("Access Denied", access.ErrorMessage);
        Assert.Equal("failed: AccessDenied", access.Outcome);
    }

    [Fact]
    public void SelectObjectContentIsMonitoredByDefault()
    {
        var access = Fixtures.Access("record-SelectObjectContent.json");

        Assert.Equal("SelectObjectContent", access.EventName);
        Assert.Equal(new ObjectRef("acme-finance-exports", "exports/2024/cardholder-data.csv"), access.ReadObject);
    }

    [Fact]
    public void CopyObjectReadsTheCopySource()
    {
        var access = Fixtures.Access("public/elastic-integrations_test-copy-object-json.json");

        Assert.Equal(new ObjectRef("elastic-cspm-cloudtrail-test-bucket", "test-copy-object/README.md"), access.CopySource);
        Assert.Equal(access.CopySource, access.ReadObject);
        Assert.Equal(new ObjectRef("elastic-cspm-cloudtrail-test-bucket", "test-copy-object/README-copy.md"), access.CopyDestination);
    }

    [Fact]
    public void UploadPartCopyDecodesTheCopySourceAndDropsTheVersion()
    {
        var access = Fixtures.Access("record-UploadPartCopy-encoded-copy-source.json");

        Assert.Equal(new ObjectRef("acme-finance-exports", "exports/2024/cardholder data?q4.csv"), access.ReadObject);
        Assert.Equal(new ObjectRef("acme-backup-staging", "restore/2024-11-05/exports.bin"), access.CopyDestination);
    }

    [Fact]
    public void CopyFromAnAccessPointNamesTheAccessPointAsBucket()
    {
        var access = Fixtures.Access("record-CopyObject-access-point-source.json");

        Assert.Equal(new ObjectRef("arn:aws:s3:eu-west-1:111122223333:accesspoint/finance-ap", "payroll/2024-10/payroll.csv"), access.ReadObject);
        Assert.Equal(new ObjectRef("acme-analytics-scratch", "tmp/payroll.csv"), access.CopyDestination);
    }

    [Theory]
    [InlineData(null, "CopyObject without requestParameters.x-amz-copy-source")]
    [InlineData("just-a-bucket", "x-amz-copy-source \"just-a-bucket\" names no bucket and key")]
    public void CopyWithoutAUsableSourceIsMalformed(string? header, string reason)
    {
        var node = Fixtures.Node("record-CopyObject-access-point-source.json");
        var request = node["requestParameters"]!.AsObject();
        if (header is null)
            request.Remove("x-amz-copy-source");
        else
            request["x-amz-copy-source"] = header;

        var result = Parse(node);

        Assert.Equal(Verdict.Malformed, result.Final);
        Assert.Equal(reason, result.Reason);
    }

    [Fact]
    public void NestedFieldsExportedAsJsonStringsStillParse()
    {
        // CloudTrail Lake and Athena exports stringify nested objects such as requestParameters and userIdentity.
        var record = Fixtures.Node("record-GetObject-assumed-role.json").AsObject();
        record["requestParameters"] = record["requestParameters"]!.ToJsonString();
        record["userIdentity"] = record["userIdentity"]!.ToJsonString();

        var access = Parse(record).Access!;

        Assert.Equal("exports/2024/cardholder-data.csv", access.Key);
        Assert.Equal("role/etl", access.Principal.Label);
    }
}
