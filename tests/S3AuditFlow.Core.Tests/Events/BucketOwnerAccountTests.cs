using S3AuditFlow.Core.Dedup;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Tests.Support;
using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Core.Tests.Events;

/// <summary>
/// The account of a read is the owner of the bucket read when the record's resources name it: a cross-account read
/// logged for both accounts (the owner's copy and the requester's, each with its own eventID and recipientAccountId)
/// is one read of the owner's bucket, judged by the owner's scopes and alerted once.
/// </summary>
public class BucketOwnerAccountTests
{
    private const string Owner = "111122223333";
    private const string Requester = "444455556666";
    private const string Fixture = "record-GetObject-cross-account.json";

    /// <summary>The requester's copy of the fixture: another eventID, logged for the requester's account.</summary>
    private static Core.Events.S3Access RequesterCopy()
    {
        var record = Fixtures.Node(Fixture);
        record["eventID"] = "0f1e2d3c-requester-copy";
        record["recipientAccountId"] = Requester;
        return Fixtures.AccessOf(Fixtures.ToElement(record));
    }

    [Fact]
    public void Both_copies_of_a_cross_account_read_are_the_owners_read()
    {
        var owners = Fixtures.Access(Fixture);
        var requesters = RequesterCopy();

        Assert.Equal(Owner, owners.BucketAccountId);
        Assert.Equal((Owner, Owner), (owners.Account, requesters.Account));
        Assert.Equal(Requester, requesters.RecipientAccountId);
    }

    [Fact]
    public void The_requesters_copy_is_judged_by_the_owners_scopes_not_the_requesters()
    {
        AllowlistEntry[] requesterScoped = [new(EntryKind.Principal, Requester, Account: Requester), new(EntryKind.Source, "192.0.2.150", Account: Requester)];
        AllowlistEntry[] ownerScoped = [new(EntryKind.Principal, Requester, Account: Owner), new(EntryKind.Source, "192.0.2.150", Account: Owner)];

        Assert.False(Allowlist.Build(requesterScoped, out _).Check(RequesterCopy()).Trusted);
        Assert.True(Allowlist.Build(ownerScoped, out _).Check(RequesterCopy()).Trusted);
    }

    [Fact]
    public void The_two_copies_alert_once()
    {
        var rule = new SensitivityRule(RuleKind.Keyword, "cardholder");
        var dedup = new InMemoryDeduplicator(TimeSpan.FromMinutes(15));
        AlertCandidate Candidate(Core.Events.S3Access access) => new(access, new Classification(SensitivityLevel.High, rule, access.ReadObject), "untrusted");

        var first = dedup.Decide(Candidate(Fixtures.Access(Fixture)));
        var second = dedup.Decide(Candidate(RequesterCopy()));

        Assert.True(first.IsFirst);
        Assert.False(second.IsFirst);
    }

    [Fact]
    public void Without_a_bucket_resource_the_recipient_account_decides()
    {
        var record = Fixtures.Node(Fixture);
        record.Remove("resources");

        var access = Fixtures.AccessOf(Fixtures.ToElement(record));

        Assert.Null(access.BucketAccountId);
        Assert.Equal(Owner, access.Account);
    }
}
