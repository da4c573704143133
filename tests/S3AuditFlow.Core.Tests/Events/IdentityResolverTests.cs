using System.Text.Json;
using System.Text.RegularExpressions;
using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Tests.Support;

namespace S3AuditFlow.Core.Tests.Events;

public class IdentityResolverTests
{
    private const string Account = "111122223333";

    private static Principal FromFixture(string name)
    {
        var record = Fixtures.Element(name);
        if (record.TryGetProperty("detail", out var detail))
            record = detail;
        return IdentityResolver.Resolve(record.GetProperty("userIdentity"));
    }

    private static Principal FromJson(string json) => IdentityResolver.Resolve(Fixtures.Parse(json));

    [Fact]
    public void IamUserIsNamedByUserName()
    {
        var principal = FromFixture("record-GetObject-iamuser.json");

        Assert.Equal(new Principal(IdentityTypes.IamUser, "alice", $"arn:aws:iam::{Account}:user/alice", null, Account, "AKIAQX7EXAMPLEALICE1", null), principal);
        Assert.Equal("user/alice", principal.Label);
    }

    [Fact]
    public void IamUserConsoleSessionWithoutSessionIssuerOrAccessKeyResolves()
    {
        // The seed crashed here: sessionContext present, sessionIssuer absent, accessKeyId "".
        var principal = FromFixture("record-GetObject-iamuser-console.json");

        Assert.Equal(IdentityTypes.IamUser, principal.Type);
        Assert.Equal("bob", principal.Name);
        Assert.Equal($"arn:aws:iam::{Account}:user/bob", principal.Arn);
        Assert.Null(principal.IssuerArn);
        Assert.Null(principal.AccessKeyId);
        Assert.Equal(Account, principal.AccountId);
        Assert.Equal("user/bob", principal.Label);
    }

    [Fact]
    public void IamUserWithoutUserNameIsNamedFromItsArnPath()
    {
        var principal = FromJson("""{"type":"IAMUser","principalId":"AIDAX","arn":"arn:aws:iam::111122223333:user/division/carol","accountId":"111122223333"}""");

        Assert.Equal("carol", principal.Name);
    }

    [Fact]
    public void AssumedRoleIsNamedByTheRoleAndKeepsTheSessionName()
    {
        var principal = FromFixture("record-GetObject-assumed-role.json");

        Assert.Equal(IdentityTypes.AssumedRole, principal.Type);
        Assert.Equal("etl", principal.Name);
        Assert.Equal("etl-nightly-20241105", principal.SessionName);
        Assert.Equal($"arn:aws:sts::{Account}:assumed-role/etl/etl-nightly-20241105", principal.Arn);
        Assert.Equal($"arn:aws:iam::{Account}:role/etl", principal.IssuerArn);
        Assert.Equal(Account, principal.AccountId);
        Assert.Equal("ASIAQX7EXAMPLE3ROLE1", principal.AccessKeyId);
        Assert.Equal("role/etl", principal.Label);
    }

    [Fact]
    public void SsoRoleKeepsThePersonAsSessionNameAndThePathInTheIssuerArn()
    {
        var principal = FromFixture("eventbridge-GetObject-sso-role.json");

        Assert.Equal("AWSReservedSSO_AdministratorAccess_0123456789abcdef", principal.Name);
        Assert.Equal("alice@example.com", principal.SessionName);
        Assert.Equal($"arn:aws:iam::{Account}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_AdministratorAccess_0123456789abcdef", principal.IssuerArn);
        Assert.Equal("role/AWSReservedSSO_AdministratorAccess_0123456789abcdef", principal.Label);
    }

    [Fact]
    public void AssumedRoleWithoutSessionIssuerIsNamedFromItsSessionArn()
    {
        var principal = FromJson("""{"type":"AssumedRole","principalId":"AROAX:job-7","arn":"arn:aws:sts::111122223333:assumed-role/etl/job-7","accountId":"111122223333"}""");

        Assert.Equal("etl", principal.Name);
        Assert.Equal("job-7", principal.SessionName);
        Assert.Null(principal.IssuerArn);
        Assert.Null(principal.AccessKeyId);
    }

    [Fact]
    public void FederatedUserIsNamedByTheIamUserThatFederated()
    {
        var principal = FromFixture("record-GetObject-federateduser.json");

        Assert.Equal(IdentityTypes.FederatedUser, principal.Type);
        Assert.Equal("federation-broker", principal.Name);
        Assert.Equal($"arn:aws:sts::{Account}:federated-user/partner-portal", principal.Arn);
        Assert.Equal($"arn:aws:iam::{Account}:user/federation-broker", principal.IssuerArn);
        Assert.Equal("ASIAQX7EXAMPLEFED001", principal.AccessKeyId);
        Assert.Null(principal.SessionName);
        Assert.Equal("federated-user/federation-broker", principal.Label);
    }

    [Fact]
    public void FederatedUserWithoutSessionIssuerIsNamedFromItsArn()
    {
        var principal = FromJson("""{"type":"FederatedUser","principalId":"111122223333:partner-portal","arn":"arn:aws:sts::111122223333:federated-user/partner-portal","accountId":"111122223333"}""");

        Assert.Equal("partner-portal", principal.Name);
    }

    [Fact]
    public void RootIsLabelledWithItsAccount()
    {
        var principal = FromFixture("record-GetObject-root.json");

        Assert.Equal(new Principal(IdentityTypes.Root, "root", $"arn:aws:iam::{Account}:root", null, Account, "ASIAQX7EXAMPLEROOT01", null), principal);
        Assert.Equal($"root/{Account}", principal.Label);
    }

    [Fact]
    public void CrossAccountCallerIsNamedByItsAccount()
    {
        var principal = FromFixture("record-GetObject-cross-account.json");

        Assert.Equal(new Principal(IdentityTypes.AwsAccount, "444455556666", null, null, "444455556666", null, null), principal);
        Assert.Equal("account/444455556666", principal.Label);
    }

    [Fact]
    public void AnonymousCallerWithEmptyPrincipalIdIsAnonymous()
    {
        var principal = FromFixture("record-GetObject-anonymous.json");

        Assert.Equal(new Principal(IdentityTypes.AwsAccount, "anonymous", null, null, "anonymous", null, null), principal);
        Assert.Equal("anonymous", principal.Label);
    }

    [Fact]
    public void AwsServiceWithOnlyInvokedByIsNamedByTheService()
    {
        var principal = FromFixture("record-GetObject-aws-service.json");

        Assert.Equal(new Principal(IdentityTypes.AwsService, "s3.amazonaws.com", null, null, null, null, null), principal);
        Assert.Equal("service/s3.amazonaws.com", principal.Label);
    }

    [Fact]
    public void IdentityCenterUserIsNamedByTheUserItActsFor()
    {
        var principal = FromFixture("record-GetObject-identity-center-user.json");

        Assert.Equal(new Principal(IdentityTypes.IdentityCenterUser, "544894e8-80c1-707f-60e3-3ba6510dfac1", null, null, Account, null, null), principal);
        Assert.Equal("identity-center-user/544894e8-80c1-707f-60e3-3ba6510dfac1", principal.Label);
    }

    [Fact]
    public void WebIdentityUserIsNamedByUserName()
    {
        var principal = FromFixture("record-GetObject-web-identity.json");

        Assert.Equal(new Principal(IdentityTypes.WebIdentityUser, "user-id", null, null, null, null, null), principal);
        Assert.Equal("web-identity-user/user-id", principal.Label);
    }

    [Fact]
    public void SamlUserIsNamedByUserName()
    {
        var principal = FromFixture("record-GetObject-saml.json");

        Assert.Equal(new Principal(IdentityTypes.SamlUser, "SamlExample", null, null, null, null, null), principal);
        Assert.Equal("saml-user/SamlExample", principal.Label);
    }

    [Fact]
    public void UnknownWithoutUserNameFallsBackToPrincipalId()
    {
        var principal = FromFixture("record-GetObject-unknown.json");

        Assert.Equal(new Principal(IdentityTypes.Unknown, "AIDAQX7EXAMPLEUNKNWN", null, null, Account, null, null), principal);
        Assert.Equal("unknown/AIDAQX7EXAMPLEUNKNWN", principal.Label);
    }

    [Fact]
    public void MissingUserIdentityIsUnknown()
    {
        var principal = IdentityResolver.Resolve(null);

        Assert.Equal(new Principal(IdentityTypes.Unknown, "unknown", null, null, null, null, null), principal);
        Assert.Equal("unknown/unknown", principal.Label);
    }

    [Theory]
    [InlineData("\"None\"")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{}")]
    public void NonObjectOrEmptyUserIdentityIsUnknown(string json)
    {
        var principal = FromJson(json);

        Assert.Equal(IdentityTypes.Unknown, principal.Type);
        Assert.Equal("unknown", principal.Name);
    }

    [Theory]
    [InlineData("""{"type":"AssumedRole","principalId":"AROAX:s1","arn":"not-an-arn"}""", "AROAX:s1")]
    [InlineData("""{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role"}""", "unknown")]
    [InlineData("""{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/etl/s1","sessionContext":"None"}""", "etl")]
    [InlineData("""{"type":"IdentityCenterUser","accountId":"111122223333"}""", "unknown")]
    [InlineData("""{"type":"AWSService"}""", "unknown")]
    [InlineData("""{"type":"IAMUser","userName":"None","principalId":"AIDAX"}""", "AIDAX")]
    public void OddShapesResolveWithoutThrowing(string json, string expectedName)
    {
        Assert.Equal(expectedName, FromJson(json).Name);
    }

    public static TheoryData<int, string, string> PublicFragments => new()
    {
        { 0, IdentityTypes.IamUser, "Alice" },
        { 1, IdentityTypes.AssumedRole, "RoleToBeAssumed" },
        { 2, IdentityTypes.WebIdentityUser, "user-id" },
        { 3, IdentityTypes.IdentityCenterUser, "544894e8-80c1-707f-60e3-3ba6510dfac1" },
        { 4, IdentityTypes.AssumedRole, "Alice" },
    };

    [Theory]
    [MemberData(nameof(PublicFragments))]
    public void AwsDocsFragmentsResolve(int index, string type, string name)
    {
        var fragments = ReadFragments();
        Assert.Equal(5, fragments.Count);

        var principal = IdentityResolver.Resolve(fragments[index]);

        Assert.Equal(type, principal.Type);
        Assert.Equal(name, principal.Name);
    }

    [Fact]
    public void AwsDocsFragmentsWithEmptyAccessKeyIdHaveNone()
    {
        var fragments = ReadFragments();

        Assert.Null(IdentityResolver.Resolve(fragments[0]).AccessKeyId);
        Assert.Equal("MySessionName", IdentityResolver.Resolve(fragments[1]).SessionName);
        Assert.Null(IdentityResolver.Resolve(fragments[3]).Arn);
    }

    /// <summary>The fragments file holds `"userIdentity": {...}` snippets with # comments; each becomes one object.</summary>
    private static List<JsonElement> ReadFragments()
    {
        var lines = File.ReadAllLines(Fixtures.CloudTrail("public/fragments/aws-docs_userIdentity-fragments.txt"))
            .Where(l => !l.StartsWith('#'));
        var text = string.Join('\n', lines);
        return Regex.Split(text, "^\"userIdentity\":", RegexOptions.Multiline)
            .Where(chunk => chunk.Trim().Length > 0)
            .Select(chunk => Fixtures.Parse(chunk))
            .ToList();
    }
}
