using S3AuditFlow.Core.Dedup;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Suggestions;
using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Core.Tests.Suggestions;

/// <summary>
/// An organization's history: the same SAML user name and the same private address in two accounts are two
/// behaviours. Routine in one account, they must not be trusted in the other, where the same name is someone else.
/// </summary>
public class AccountScopedSuggestionTests
{
    private const string Prod = "111122223333";
    private const string Sandbox = "444455556666";
    private static readonly DateTimeOffset Day0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static S3Access Read(string account, DateTimeOffset time, string key) => new(
        EventId: $"{account}-{time:yyyyMMddHHmmss}-{key}",
        EventTime: time,
        EventName: "GetObject",
        Bucket: "exports",
        Key: key,
        CopySource: null,
        // A SAML user logs no ARN: the entry names it by entity name, which alone would match it in every account.
        Principal: new Principal(IdentityTypes.SamlUser, "alice", null, null, account, null, null),
        Source: SourceAddress.From("10.0.0.5", null, "aws-cli/2"),
        ErrorCode: null,
        ErrorMessage: null,
        Region: "us-east-1",
        RecipientAccountId: account,
        BytesTransferredOut: 100);

    [Fact]
    public void Entries_for_routine_behaviour_in_one_account_do_not_trust_the_same_name_and_address_in_another()
    {
        var digest = new HistoryDigest();
        var rule = new SensitivityRule(RuleKind.Keyword, "cardholder");
        void Add(S3Access access) => digest.Add(new AlertCandidate(access, new Classification(SensitivityLevel.High, rule, access.ReadObject), "untrusted"),
            new DedupDecision(true, null, ""));
        for (var day = 0; day < 7; day++)
        {
            for (var i = 0; i < 4; i++)
                Add(Read(Prod, Day0.AddDays(day).AddMinutes(i), $"cardholder-{day}-{i}.csv"));
        }
        Add(Read(Sandbox, Day0.AddDays(3), "cardholder-sandbox.csv"));

        var report = AllowlistSuggester.Suggest(digest, Allowlist.Build([], out _), new SuggestOptions());

        Assert.Equal([(EntryKind.Source, "10.0.0.5", Prod), (EntryKind.Principal, "alice", Prod)], report.Entries.Select(e => (e.Kind, e.Value, e.Account)).Order());
        Assert.Equal(Sandbox, Assert.Single(report.NotYetRoutine).Activity.Account);
        var suggested = Allowlist.Build(report.Entries, out _);
        Assert.True(suggested.Check(Read(Prod, Day0.AddDays(9), "cardholder-next.csv")).Trusted);
        Assert.False(suggested.Check(Read(Sandbox, Day0.AddDays(9), "cardholder-next.csv")).Trusted);
    }
}
