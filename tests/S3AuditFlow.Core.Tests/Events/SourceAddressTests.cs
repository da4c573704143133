using System.Net;
using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Tests.Support;

namespace S3AuditFlow.Core.Tests.Events;

public class SourceAddressTests
{
    [Theory]
    [InlineData("54.177.149.226", SourceKind.Ip, "54.177.149.226")]
    [InlineData(" 54.177.149.226 ", SourceKind.Ip, "54.177.149.226")]
    [InlineData("2001:DB8:4006:812::200E", SourceKind.Ip, "2001:db8:4006:812::200e")]
    [InlineData("::ffff:54.177.149.226", SourceKind.Ip, "54.177.149.226")]
    [InlineData("::1", SourceKind.Ip, "::1")]
    [InlineData("AWS Internal", SourceKind.AwsInternal, "AWS Internal")]
    [InlineData("athena.amazonaws.com", SourceKind.ServiceName, "athena.amazonaws.com")]
    [InlineData("Athena.AmazonAWS.com", SourceKind.ServiceName, "Athena.AmazonAWS.com")]
    [InlineData("", SourceKind.Empty, "")]
    [InlineData("   ", SourceKind.Empty, "")]
    [InlineData(null, SourceKind.Empty, "")]
    [InlineData("1", SourceKind.Other, "1")]
    [InlineData("0x10", SourceKind.Other, "0x10")]
    [InlineData("1.2.3", SourceKind.Other, "1.2.3")]
    [InlineData("256.1.1.1", SourceKind.Other, "256.1.1.1")]
    [InlineData("fe80::1%eth0", SourceKind.Other, "fe80::1%eth0")]
    [InlineData("example.com", SourceKind.Other, "example.com")]
    [InlineData("aws internal", SourceKind.Other, "aws internal")]
    [InlineData("not amazonaws.com", SourceKind.Other, "not amazonaws.com")]
    public void ClassifiesWhatSourceIpAddressHolds(string? raw, SourceKind kind, string value)
    {
        var source = SourceAddress.From(raw, null, null);

        Assert.Equal(kind, source.Kind);
        Assert.Equal(value, source.Value);
    }

    [Fact]
    public void IpIsParsedOnlyForIpKind()
    {
        Assert.Equal(IPAddress.Parse("54.177.149.226"), SourceAddress.From("::ffff:54.177.149.226", null, null).Ip);
        Assert.Null(SourceAddress.From("AWS Internal", null, null).Ip);
        Assert.Null(SourceAddress.From("1", null, null).Ip);
        Assert.Null(SourceAddress.From("", null, null).Ip);
    }

    [Fact]
    public void VpcEndpointAndUserAgentAreKept()
    {
        var source = SourceAddress.From("10.20.3.41", "vpce-0a1b2c3d4e5f67890", "aws-sdk-java/2.25.6");

        Assert.Equal(SourceKind.Ip, source.Kind);
        Assert.Equal("vpce-0a1b2c3d4e5f67890", source.VpcEndpointId);
        Assert.Equal("aws-sdk-java/2.25.6", source.UserAgent);
        Assert.Equal("10.20.3.41 via vpce-0a1b2c3d4e5f67890", source.Label);
    }

    [Fact]
    public void EmptySourceIsLabelledEmpty()
    {
        Assert.Equal("(empty)", SourceAddress.From(null, null, null).Label);
        Assert.Equal("(empty) via vpce-1a2b3c4d", SourceAddress.From("", "vpce-1a2b3c4d", null).Label);
    }

    [Theory]
    [InlineData("record-GetObject-ipv6.json", SourceKind.Ip, "2001:db8:4006:812::200e")]
    [InlineData("record-GetObject-aws-internal.json", SourceKind.AwsInternal, "AWS Internal")]
    [InlineData("record-GetObject-service-name-source.json", SourceKind.ServiceName, "athena.amazonaws.com")]
    [InlineData("record-GetObject-empty-source.json", SourceKind.Empty, "")]
    [InlineData("record-GetObject-vpce-private-ip.json", SourceKind.Ip, "10.20.3.41")]
    public void FixturesResolveTheirSource(string fixture, SourceKind kind, string value)
    {
        var source = Fixtures.Access(fixture).Source;

        Assert.Equal(kind, source.Kind);
        Assert.Equal(value, source.Value);
    }

    [Fact]
    public void VpcEndpointIsReadFromTheRecord()
    {
        Assert.Equal("vpce-0a1b2c3d4e5f67890", Fixtures.Access("record-GetObject-vpce-private-ip.json").Source.VpcEndpointId);
    }

    [Fact]
    public void ZeroPaddedOctetsAreNotReadAsOctal()
    {
        var source = SourceAddress.From("010.0.0.1", null, null);

        Assert.NotEqual(IPAddress.Parse("8.0.0.1"), source.Ip);
    }
}
