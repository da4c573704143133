using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Stores;
using S3AuditFlow.Core.Tests.Support;
using S3AuditFlow.Core.Trust;
using static S3AuditFlow.Core.Tests.Support.Accesses;

namespace S3AuditFlow.Core.Tests.Trust;

public class AllowlistTests
{
    private static AllowlistEntry Source(string value, string? bucket = null, DateTimeOffset? expires = null) => new(EntryKind.Source, value, bucket, expires);

    private static AllowlistEntry Principal(string value, string? bucket = null, DateTimeOffset? expires = null) => new(EntryKind.Principal, value, bucket, expires);

    private static Allowlist Build(params AllowlistEntry[] entries)
    {
        var allowlist = Allowlist.Build(entries, out var invalid);
        Assert.Empty(invalid);
        return allowlist;
    }

    /// <summary>Trusted by a list that trusts the principal (role etl) on its own, so only the source decides.</summary>
    private static bool SourceTrusted(string entry, SourceAddress source) =>
        Build(Source(entry), Principal("etl")).Check(Read(source: source)).Trusted;

    private static bool PrincipalTrusted(string entry, Principal principal) =>
        Build(Source("0.0.0.0/0"), Principal(entry)).Check(Read(principal: principal, source: From("198.51.100.1"))).Trusted;

    [Fact]
    public void TrustedPrincipalFromTrustedSourceIsTrusted()
    {
        var decision = Build(Source("54.177.149.226"), Principal("etl")).Check(Fixtures.Access("record-GetObject-assumed-role.json"));

        Assert.Equal(new TrustDecision(true, true, true, "principal role/etl and source 54.177.149.226 allowlisted"), decision);
    }

    [Theory]
    [InlineData("54.177.149.226", "54.177.149.226", true)]
    [InlineData("54.177.149.226", "54.177.149.227", false)]
    [InlineData("54.177.0.0/16", "54.177.149.226", true)]
    [InlineData("54.177.0.0/16", "54.178.0.1", false)]
    [InlineData("54.177.149.226", "::ffff:54.177.149.226", true)]
    [InlineData("::ffff:54.177.149.226", "54.177.149.226", true)]
    [InlineData("2001:db8:4006::/48", "2001:db8:4006:812::200e", true)]
    [InlineData("2001:db8:4006::/48", "2001:db8:4007::1", false)]
    [InlineData("2001:DB8:4006:812::200E", "2001:db8:4006:812::200e", true)]
    [InlineData("0.0.0.0/0", "2001:db8::1", false)]
    [InlineData("::/0", "54.177.149.226", false)]
    public void IpAndCidrEntries(string entry, string ip, bool trusted)
    {
        Assert.Equal(trusted, SourceTrusted(entry, From(ip)));
    }

    [Theory]
    [InlineData("0.0.0.0/0", "AWS Internal")]
    [InlineData("::/0", "AWS Internal")]
    [InlineData("0.0.0.0/0", "athena.amazonaws.com")]
    [InlineData("0.0.0.0/0", "")]
    [InlineData("0.0.0.0/0", "0x10")]
    [InlineData("athena.amazonaws.com", "AWS Internal")]
    public void NonIpSourcesAreNeverTrustedByAnIpRange(string entry, string raw)
    {
        Assert.False(SourceTrusted(entry, From(raw)));
    }

    [Fact]
    public void AwsInternalIsTrustedOnlyWhenListedLiterally()
    {
        var access = Fixtures.Access("record-GetObject-aws-internal.json");
        var role = Principal("AWSServiceRoleForAmazonMacie");

        Assert.False(Build(Source("0.0.0.0/0"), role).Check(access).Trusted);
        Assert.True(Build(Source("AWS Internal"), role).Check(access).Trusted);
    }

    [Theory]
    [InlineData("athena.amazonaws.com", true)]
    [InlineData("Athena.AmazonAWS.com", true)]
    [InlineData("glue.amazonaws.com", false)]
    public void ServiceNameEntries(string entry, bool trusted)
    {
        var access = Fixtures.Access("record-GetObject-service-name-source.json");

        Assert.Equal(trusted, Build(Source(entry), Principal("analytics")).Check(access).Trusted);
    }

    [Fact]
    public void ServiceNameEntryDoesNotTrustAnIpSource()
    {
        Assert.False(SourceTrusted("athena.amazonaws.com", From("54.177.149.226")));
    }

    [Fact]
    public void VpcEndpointEntryTrustsRequestsThroughThatEndpoint()
    {
        var viaEndpoint = Fixtures.Access("record-GetObject-vpce-private-ip.json");
        var sameIpNoEndpoint = viaEndpoint with { Source = From("10.20.3.41") };
        var otherEndpoint = viaEndpoint with { Source = From("10.20.3.41", "vpce-0fffffffffffffff0") };
        var allowlist = Build(Source("vpce-0a1b2c3d4e5f67890"), Principal("etl"));

        Assert.True(allowlist.Check(viaEndpoint).Trusted);
        Assert.False(allowlist.Check(sameIpNoEndpoint).Trusted);
        Assert.False(allowlist.Check(otherEndpoint).Trusted);
    }

    [Theory]
    [InlineData("etl", true)]
    [InlineData("ETL", false)]
    [InlineData("etl-admin", false)]
    [InlineData("role/etl", false)]
    [InlineData("arn:aws:iam::111122223333:role/etl", true)]
    [InlineData("arn:aws:iam::111122223333:role/et?", true)]
    [InlineData("arn:aws:iam::111122223333:role/e", false)]
    [InlineData("arn:aws:sts::111122223333:assumed-role/etl/session-1", true)]
    [InlineData("arn:aws:sts::111122223333:assumed-role/etl/*", true)]
    [InlineData("arn:aws:sts::111122223333:assumed-role/etl/other", false)]
    [InlineData("arn:aws:iam::*:role/etl", true)]
    [InlineData("arn:aws:iam::444455556666:role/etl", false)]
    [InlineData("111122223333", true)]
    [InlineData("444455556666", false)]
    public void PrincipalEntriesForARoleSession(string entry, bool trusted)
    {
        Assert.Equal(trusted, PrincipalTrusted(entry, Role("etl", "session-1")));
    }

    [Fact]
    public void RoleArnEntryDoesNotTrustALongerRoleName()
    {
        Assert.False(PrincipalTrusted("arn:aws:iam::111122223333:role/etl", Role("etl-admin")));
    }

    [Fact]
    public void AnArnEntryCoversTheWholeArnEvenBeforeATrailingNewline()
    {
        // The regex this used to be ended in $, which also matches before a final newline.
        var role = Role("etl");
        var padded = role with { Arn = role.Arn + "\n", IssuerArn = role.IssuerArn + "\n" };

        Assert.False(PrincipalTrusted("arn:aws:iam::111122223333:role/etl", padded));
        Assert.True(PrincipalTrusted("arn:aws:iam::111122223333:role/etl*", padded));
    }

    [Fact]
    public void ArnPatternsCostLittleMoreThanTheirText()
    {
        // Each used to be a NonBacktracking regex of about 1.7 MB: 300 entries outgrew a 512 MB function.
        AllowlistEntry[] entries = [Source("0.0.0.0/0"), .. Enumerable.Range(0, 100).Select(i => Principal($"arn:aws:iam::111122223333:role/team-{i}-*"))];
        var access = Read(principal: Role("team-99-etl"), source: From("198.51.100.1"));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var trusted = Build(entries).Check(access).Trusted;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(trusted);
        Assert.InRange(allocated, 0, 1024 * 1024);
    }

    [Fact]
    public void ArnWildcardTrustsEverySsoPermissionSetSession()
    {
        var sso = Fixtures.Access("eventbridge-GetObject-sso-role.json").Principal;

        Assert.True(PrincipalTrusted("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_AdministratorAccess_*", sso));
        Assert.True(PrincipalTrusted("arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_*/alice@example.com", sso));
        Assert.False(PrincipalTrusted("arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_*/bob@example.com", sso));
    }

    [Theory]
    [InlineData("record-GetObject-iamuser.json", "alice", true)]
    [InlineData("record-GetObject-iamuser.json", "arn:aws:iam::111122223333:user/alice", true)]
    [InlineData("record-GetObject-cross-account.json", "444455556666", true)]
    [InlineData("record-GetObject-cross-account.json", "111122223333", false)]
    // Root, AWSAccount (incl. anonymous) and Unknown have made-up names; a plain name never trusts them.
    [InlineData("record-GetObject-anonymous.json", "anonymous", false)]
    [InlineData("record-GetObject-root.json", "root", false)]
    [InlineData("record-GetObject-unknown.json", "unknown", false)]
    [InlineData("record-GetObject-anonymous.json", "111122223333", false)]
    [InlineData("record-GetObject-aws-service.json", "s3.amazonaws.com", true)]
    [InlineData("record-GetObject-aws-service.json", "111122223333", false)]
    [InlineData("record-GetObject-root.json", "arn:aws:iam::111122223333:root", true)]
    [InlineData("record-GetObject-federateduser.json", "federation-broker", true)]
    [InlineData("record-GetObject-federateduser.json", "arn:aws:sts::111122223333:federated-user/partner-portal", true)]
    [InlineData("record-GetObject-identity-center-user.json", "544894e8-80c1-707f-60e3-3ba6510dfac1", true)]
    public void PrincipalEntriesForOtherIdentityTypes(string fixture, string entry, bool trusted)
    {
        Assert.Equal(trusted, PrincipalTrusted(entry, Fixtures.Access(fixture).Principal));
    }

    [Fact]
    public void TrustedPrincipalFromUntrustedSourceIsNotTrusted()
    {
        var decision = Build(Source("203.0.113.0/24"), Principal("etl")).Check(Fixtures.Access("record-GetObject-assumed-role.json"));

        Assert.Equal(new TrustDecision(false, false, true, "source 54.177.149.226 not allowlisted"), decision);
    }

    [Fact]
    public void UntrustedPrincipalFromTrustedSourceIsNotTrusted()
    {
        var decision = Build(Source("54.177.149.226"), Principal("loader")).Check(Fixtures.Access("record-GetObject-assumed-role.json"));

        Assert.Equal(new TrustDecision(false, true, false, "principal role/etl not allowlisted"), decision);
    }

    [Fact]
    public void EmptyAllowlistNamesBothHalves()
    {
        var decision = Build().Check(Fixtures.Access("record-GetObject-assumed-role.json"));

        Assert.Equal("principal role/etl not allowlisted; source 54.177.149.226 not allowlisted", decision.Reason);
    }

    [Fact]
    public void BucketScopedEntriesTrustOnlyThatBucket()
    {
        var allowlist = Build(Source("54.177.149.226", bucket: "finance"), Principal("etl", bucket: "finance"));

        Assert.True(allowlist.Check(Read(bucket: "finance")).Trusted);
        var elsewhere = allowlist.Check(Read(bucket: "hr"));
        Assert.False(elsewhere.Trusted);
        Assert.Equal("principal role/etl not allowlisted; source 54.177.149.226 not allowlisted", elsewhere.Reason);
    }

    [Fact]
    public void CopyIsScopedByTheBucketItReadsFrom()
    {
        var copy = Read(bucket: "scratch", key: "tmp/x.csv", copySource: new ObjectRef("finance", "exports/x.csv"));

        Assert.True(Build(Source("54.177.149.226", "finance"), Principal("etl", "finance")).Check(copy).Trusted);
        Assert.False(Build(Source("54.177.149.226", "scratch"), Principal("etl", "scratch")).Check(copy).Trusted);
    }

    [Fact]
    public void ExpiryIsJudgedAtTheEventsTime()
    {
        var until = T0.AddHours(1);
        var allowlist = Build(Source("54.177.149.226"), Principal("etl", expires: until));

        Assert.True(allowlist.Check(Read(time: until.AddSeconds(-1))).Trusted);
        var atExpiry = allowlist.Check(Read(time: until));
        Assert.False(atExpiry.Trusted);
        Assert.True(atExpiry.SourceTrusted);
        Assert.Equal("principal role/etl allowlisted only until 2024-11-05T15:00:00Z", atExpiry.Reason);
    }

    [Fact]
    public void ExpiredSourceEntrySaysUntilWhen()
    {
        var allowlist = Build(Source("54.177.0.0/16", expires: T0), Principal("etl"));

        Assert.Equal("source 54.177.149.226 allowlisted only until 2024-11-05T14:00:00Z", allowlist.Check(Read(time: T0.AddDays(1))).Reason);
    }

    [Fact]
    public void EntryExpiredLongAgoStillTrustsAnOldEventOnReplay()
    {
        // Scanning 2021 logs with an entry that ended in 2022 must judge as the entry stood then, not as of today.
        var allowlist = Build(Source("73.247.96.55", expires: new DateTimeOffset(2022, 1, 1, 0, 0, 0, TimeSpan.Zero)), Principal("s3reader"));

        Assert.True(allowlist.Check(Fixtures.Access("record-GetObject-python-reserialized.json")).Trusted);
    }

    [Fact]
    public void LiveEntryWinsOverAnExpiredOne()
    {
        var allowlist = Build(Source("54.177.149.226"), Principal("etl", expires: T0.AddDays(-1)), Principal("arn:aws:iam::111122223333:role/etl"));

        Assert.True(allowlist.Check(Read()).Trusted);
    }

    [Fact]
    public void ExpiryReasonIsInUtcWhateverTheEntrysOffset()
    {
        var until = new DateTimeOffset(2024, 11, 5, 17, 0, 0, TimeSpan.FromHours(2));
        var allowlist = Build(Source("54.177.149.226"), Principal("etl", expires: until));

        Assert.Equal("principal role/etl allowlisted only until 2024-11-05T15:00:00Z", allowlist.Check(Read(time: T0.AddDays(1))).Reason);
    }

    [Theory]
    [InlineData(EntryKind.Source, "10.0.0.0/33", "not a valid CIDR")]
    [InlineData(EntryKind.Source, "10.0.0/8", "not a valid CIDR")]
    [InlineData(EntryKind.Source, "vpce-", "not a VPC endpoint ID")]
    [InlineData(EntryKind.Source, "vpce-0a1b_2c", "not a VPC endpoint ID")]
    [InlineData(EntryKind.Source, "example.com", "not an IP address")]
    [InlineData(EntryKind.Source, "1", "not an IP address")]
    [InlineData(EntryKind.Source, ".amazonaws.com", "not an IP address")]
    [InlineData(EntryKind.Principal, "", "empty principal")]
    [InlineData(EntryKind.Principal, "etl*", "not an entity name")]
    [InlineData(EntryKind.Principal, "role etl", "not an entity name")]
    [InlineData(EntryKind.Principal, "arn:aws:iam::111122223333", "malformed ARN pattern")]
    [InlineData(EntryKind.Principal, "arn:aws:s3:::bucket", "service \"s3\"")]
    [InlineData(EntryKind.Principal, "arn:awz:iam::111122223333:role/etl", "unknown partition")]
    [InlineData(EntryKind.Principal, "arn:aws:iam::1234:role/etl", "account \"1234\"")]
    public void InvalidEntriesAreReturnedWithTheReason(EntryKind kind, string value, string error)
    {
        var good = new AllowlistEntry(EntryKind.Source, "54.177.149.226");
        var bad = new AllowlistEntry(kind, value);

        var allowlist = Allowlist.Build([good, bad], out var invalid);

        var (entry, message) = Assert.Single(invalid);
        Assert.Equal(bad, entry);
        Assert.Contains(error, message, StringComparison.Ordinal);
        Assert.Equal([good], allowlist.Entries);
    }

    [Fact]
    public void ArnPatternsAreBoundedAt1024Characters()
    {
        // The fuzzer's 5,000-? pattern crashed config load; no real principal ARN comes near 1,024 characters.
        const string Prefix = "arn:aws:iam::111122223333:role/";
        var longest = Prefix + new string('?', 1024 - Prefix.Length);

        Assert.True(PrincipalTrusted(longest, Role(new string('r', 1024 - Prefix.Length))));
        _ = Allowlist.Build([Principal(longest + "?"), Principal(Prefix + new string('?', 5000))], out var invalid);
        Assert.Equal(["pattern longer than 1,024 characters", "pattern longer than 1,024 characters"], invalid.Select(i => i.Error));
    }

    [Fact]
    public void ATooLongArnPatternFromTheTableIsSkippedWithAWarning()
    {
        var tooLong = Principal("arn:aws:iam::111122223333:role/" + new string('*', 1000));
        var warnings = new List<string>();

        var config = AuditConfig.CreateSkippingInvalid(new RuleSet([Source("0.0.0.0/0"), tooLong, Principal("etl")], []), ["GetObject"], TimeSpan.FromMinutes(15), warnings.Add);

        Assert.Equal([Source("0.0.0.0/0"), Principal("etl")], config.Allowlist.Entries);
        var warning = Assert.Single(warnings);
        Assert.EndsWith(": pattern longer than 1,024 characters", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void CidrWithHostBitsSetIsRejected()
    {
        _ = Allowlist.Build([new AllowlistEntry(EntryKind.Source, "10.0.0.1/8")], out var invalid);

        Assert.Single(invalid);
    }

    [Fact]
    public void ZeroPaddedIpEntryDoesNotTrustAnotherAddress()
    {
        var allowlist = Allowlist.Build([Source("054.153.044.010"), Principal("etl")], out _);

        Assert.False(allowlist.Check(Read(source: From("44.153.36.8"))).Trusted);
    }

    [Fact]
    public void AnEntityNameTrustsOnlyThatNameInTheLoggingAccount()
    {
        // A role called "etl" in someone else's account, granted access by a bucket policy, is not our etl.
        var foreign = Role("etl", account: "444455556666");

        Assert.False(PrincipalTrusted("etl", foreign));
        Assert.True(PrincipalTrusted("arn:aws:iam::444455556666:role/etl", foreign));
        Assert.True(PrincipalTrusted("etl", Role("etl")));
    }
}
