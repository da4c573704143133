using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Input;
using S3AuditFlow.Core.Tests.Support;
using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Core.Tests.Trust;

/// <summary>
/// What `alerts trust` writes: for every real record in the fixtures, the two narrowest entries trust that read and
/// nothing a neighbour of it does (another session of another role, another address, another bucket).
/// </summary>
public class NarrowestTrustTests
{
    /// <summary>Every access the fixtures (hand-made and public) parse to, found on disk.</summary>
    public static TheoryData<string, int> Records()
    {
        var data = new TheoryData<string, int>();
        foreach (var path in Directory.EnumerateFiles(Fixtures.CloudTrailDir, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var name = Path.GetRelativePath(Fixtures.CloudTrailDir, path);
            var index = 0;
            foreach (var _ in Accesses(name))
                data.Add(name, index++);
        }
        return data;
    }

    private static IEnumerable<S3Access> Accesses(string name)
    {
        var accesses = new List<S3Access>();
        using var file = File.OpenRead(Fixtures.CloudTrail(name));
        using var reader = new JsonRecordReader(file);
        // Parsed while the reader holds the record: its buffers are reused for the next one.
        foreach (var record in reader.Read())
        {
            if (!record.IsError && Fixtures.DefaultParser().Parse(record.Element).Access is { } access)
                accesses.Add(access);
        }
        return accesses;
    }

    [Theory]
    [MemberData(nameof(Records))]
    public void The_narrowest_entries_trust_the_read_and_only_reads_like_it(string name, int index)
    {
        var access = Accesses(name).ElementAt(index);
        var trust = NarrowestTrust.For(access);
        if (!trust.CanTrust)
        {
            Assert.True(access.Principal.Type is IdentityTypes.Root or IdentityTypes.AwsAccount or IdentityTypes.Unknown
                || access.Source.Kind is SourceKind.Empty or SourceKind.Other, $"refused {access.Principal.Label} from {access.Source.Label}: {trust.Refusal}");
            return;
        }
        var bucket = access.ReadObject.Bucket;
        var allowlist = Allowlist.Build([new(EntryKind.Principal, trust.Principal!, bucket), new(EntryKind.Source, trust.Source!, bucket)], out var invalid);
        Assert.Empty(invalid);

        Assert.True(allowlist.Check(access).Trusted, allowlist.Check(access).Reason);
        var otherBucket = access with { Bucket = "another-bucket", CopySource = null };
        Assert.False(allowlist.Check(otherBucket).Trusted, "scoped to the bucket read");
        var otherAddress = access with { Source = SourceAddress.From("198.18.99.99", null, access.Source.UserAgent) };
        Assert.False(allowlist.Check(otherAddress).Trusted, "the exact source only");
        var otherRole = access with { Principal = Stranger() };
        Assert.False(allowlist.Check(otherRole).Trusted, "the principal only");
    }

    [Fact]
    public void A_session_of_a_role_is_trusted_as_the_role_so_the_next_session_is_trusted_too()
    {
        var access = Fixtures.Access("record-GetObject-assumed-role.json");
        var trust = NarrowestTrust.For(access);

        Assert.Equal(access.Principal.IssuerArn, trust.Principal);
        var nextSession = access with { Principal = access.Principal with { Arn = access.Principal.Arn!.Replace(access.Principal.SessionName!, "another-session", StringComparison.Ordinal) } };
        var allowlist = Allowlist.Build([new(EntryKind.Principal, trust.Principal!), new(EntryKind.Source, trust.Source!)], out _);
        Assert.True(allowlist.Check(nextSession).Trusted);
    }

    [Theory]
    [InlineData("Root", "root", "root/123456789012: the Root user")]
    [InlineData("AWSAccount", "anonymous", "anonymous: an anonymous (unsigned) request")]
    [InlineData("Unknown", "unknown", "unknown/unknown: CloudTrail did not say who it was")]
    public void Root_anonymous_and_unknown_principals_are_refused(string type, string name, string said)
    {
        var access = Fixtures.Access("record-GetObject-assumed-role.json") with
        {
            Principal = new Principal(type, name, type == "Root" ? "arn:aws:iam::123456789012:root" : null, null, type == "AWSAccount" ? "anonymous" : "123456789012", null, null),
        };

        var trust = NarrowestTrust.For(access);

        Assert.False(trust.CanTrust);
        Assert.Null(trust.Principal);
        Assert.Contains(said, trust.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_source_is_refused()
    {
        var access = Fixtures.Access("record-GetObject-assumed-role.json") with { Source = SourceAddress.From("", null, null) };

        Assert.Equal("source (empty): no source address was logged", NarrowestTrust.For(access).Refusal);
    }

    private static Principal Stranger() =>
        new(IdentityTypes.AssumedRole, "stranger", "arn:aws:sts::999988887777:assumed-role/stranger/s", "arn:aws:iam::999988887777:role/stranger", "999988887777", null, "s");
}
