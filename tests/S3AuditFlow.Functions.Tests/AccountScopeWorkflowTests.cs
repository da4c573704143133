using System.Text.Json;
using System.Text.Json.Nodes;
using S3AuditFlow.Aws;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Evaluation;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Stores;
using S3AuditFlow.Core.Trust;
using S3AuditFlow.Functions.Steps;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Functions.Tests;

/// <summary>
/// Events from two accounts of an organization: the same role name, bucket name and key in each. An entry scoped to
/// account A trusts A's role and not B's; alerts name the account (with A's alias); B's identical read is its own
/// alert, not a duplicate of A's. Checked through the whole workflow (real ASL, built functions, dynalite), and scan
/// over an organization trail's log tree is checked to give the verdicts the steps give for the same records.
/// </summary>
public sealed class AccountScopeWorkflowTests(AccountScopeWorkflowTests.Run run) : IClassFixture<AccountScopeWorkflowTests.Run>
{
    public const string A = "111111111111";
    public const string B = "222222222222";
    private const string Role = "cg-banking-WAF-Role";

    /// <summary>Trust A's role only; cardholder files are critical everywhere; payroll/ is sensitive in B only.</summary>
    public static readonly AllowlistEntry[] Entries =
    [
        new(EntryKind.Source, "54.177.149.226"),
        new(EntryKind.Principal, Role, Account: A),
    ];

    public static readonly SensitivityRule[] Rules =
    [
        new(RuleKind.Keyword, "cardholder", SensitivityLevel.Critical),
        new(RuleKind.Prefix, "payroll/", SensitivityLevel.High, Account: B),
    ];

    public static readonly AccountAlias[] Aliases = [new(A, "prod-data")];

    /// <summary>A CloudTrail record of <paramref name="account"/>: the same record with every account ID replaced.</summary>
    public static JsonObject Record(string account, string eventId, string key, string role = Role, string time = "2021-03-10T14:03:42Z") =>
        InAccount(CloudTrailRecords.Record(eventId, key, role, time: time), account);

    public static JsonObject InAccount(JsonObject node, string account) =>
        JsonNode.Parse(node.ToJsonString().Replace("123456789012", account, StringComparison.Ordinal))!.AsObject();

    /// <summary>The records both tests judge: name → record.</summary>
    public static readonly (string Name, JsonObject Record)[] Records =
    [
        ("a-role", Record(A, "a-role-1", "cardholder_data_primary.csv")),
        ("b-role", Record(B, "b-role-1", "cardholder_data_primary.csv")),
        ("a-intruder", Record(A, "a-intruder-1", "cardholder_data_secondary.csv", role: "intruder")),
        ("b-intruder", Record(B, "b-intruder-1", "cardholder_data_secondary.csv", role: "intruder", time: "2021-03-10T14:03:43Z")),
        ("a-payroll", Record(A, "a-payroll-1", "payroll/2021-03.csv", role: "intruder", time: "2021-03-10T14:03:44Z")),
        ("b-payroll", Record(B, "b-payroll-1", "payroll/2021-03.csv", role: "intruder", time: "2021-03-10T14:03:45Z")),
    ];

    public sealed class Run : IAsyncLifetime, IDisposable
    {
        public DynaliteServer Server { get; } = DynaliteServer.Start();
        public string ConfigTable { get; private set; } = "";
        public Dictionary<string, ExecutionResult> Results { get; private set; } = [];

        public async Task InitializeAsync()
        {
            ConfigTable = await Server.CreateConfigTableAsync();
            var dedupTable = await Server.CreateDedupTableAsync();
            using var client = Server.Client();
            await new DynamoConfigStore(client, ConfigTable).PutAsync(Entries, Rules, [], Aliases);
            // One at a time, in order: B's read after A's must not be taken for a repeat of it.
            (Results, _) = await WorkflowRun.RunAsync(Server.Endpoint, ConfigTable, dedupTable,
                Records.Select(r => (r.Name, (JsonNode)InAccount(StepEvents.EventBridge(r.Record.DeepClone().AsObject()), r.Record["recipientAccountId"]!.GetValue<string>()))));
        }

        public Task DisposeAsync() => Task.CompletedTask;

        public void Dispose() => Server.Dispose();
    }

    private static string? Alert(ExecutionResult result) =>
        result.Messages("alert").Select(p => p.GetProperty("Message").GetString()).SingleOrDefault();

    [Fact]
    public void An_entry_scoped_to_account_A_trusts_As_role_and_not_Bs_role_of_the_same_name()
    {
        Assert.Equal("SUCCEEDED", run.Results["a-role"].Status);
        Assert.Contains("Allowlisted", run.Results["a-role"].States);
        Assert.Empty(run.Results["a-role"].Published);

        var alert = Alert(run.Results["b-role"]);
        Assert.NotNull(alert);
        Assert.Contains("Why:       principal role/cg-banking-WAF-Role not allowlisted", alert, StringComparison.Ordinal);
    }

    [Fact]
    public void Alerts_name_the_account_with_its_alias_when_the_user_gave_one()
    {
        var a = Alert(run.Results["a-intruder"])!;
        var b = Alert(run.Results["b-role"])!;

        Assert.Contains("\nAccount:   111111111111 (prod-data)\n", a.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("\nAccount:   222222222222\n", b.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        var json = JsonDocument.Parse(a[a.IndexOf("\n{", StringComparison.Ordinal)..]).RootElement;
        Assert.Equal((A, "prod-data"), (json.GetProperty("account").GetString(), json.GetProperty("accountAlias").GetString()));
    }

    [Fact]
    public void Two_accounts_identical_reads_are_two_alerts_not_a_duplicate()
    {
        Assert.NotNull(Alert(run.Results["a-intruder"]));
        Assert.NotNull(Alert(run.Results["b-intruder"]));
        Assert.DoesNotContain("Duplicate", run.Results["b-intruder"].States);
    }

    [Fact]
    public void A_rule_scoped_to_account_B_classifies_Bs_reads_only()
    {
        Assert.Contains("Not Sensitive", run.Results["a-payroll"].States);
        Assert.Empty(run.Results["a-payroll"].Published);
        Assert.Contains("matches prefix \"payroll/\" in account 222222222222 (high)", Alert(run.Results["b-payroll"]), StringComparison.Ordinal);
    }

    /// <summary>
    /// scan over an organization trail's tree (AWSLogs/o-ID/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/….json.gz) with the
    /// config as a file, and the steps with the same items in dynalite, over the same records: same verdicts, same reasons.
    /// </summary>
    [Fact]
    public async Task Scan_over_an_organization_log_tree_scopes_by_the_records_account_as_the_steps_do()
    {
        using var dir = new TempFolder();
        foreach (var account in new[] { A, B })
        {
            var folder = Path.Combine(dir.Path, "AWSLogs", "o-EXAMPLE", account, "CloudTrail", "us-west-1", "2021", "03", "10");
            Directory.CreateDirectory(folder);
            var records = new JsonArray([.. Records.Where(r => r.Record["recipientAccountId"]!.GetValue<string>() == account).Select(r => (JsonNode)r.Record.DeepClone())]);
            await File.WriteAllBytesAsync(Path.Combine(folder, $"{account}_CloudTrail_us-west-1_20210310T1405Z_EXAMPLE.json.gz"),
                TrailTree.Gzip(new JsonObject { ["Records"] = records }.ToJsonString()));
        }
        var config = Path.Combine(dir.Path, "config.json");
        using (var file = File.Create(config))
            ConfigWriter.Write(file, new RuleSet(Entries, Rules) { Aliases = Aliases });

        var output = new StringWriter();
        var error = new StringWriter();
        var exit = Cli.CliApp.Run(["scan", "--config", config, "--verdicts", "--no-progress", Path.Combine(dir.Path, "AWSLogs")],
            new Cli.CliConsole(output, error, () => Stream.Null));
        Assert.True(exit is 0 or 1, error.ToString());
        var scan = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .ToDictionary(v => v.GetProperty("eventId").GetString()!, v => (Verdict: v.GetProperty("verdict").GetString()!, Reason: v.GetProperty("reason").GetString()!));

        using var client = run.Server.Client();
        var source = new CachedConfigSource(new DynamoConfigStore(client, run.ConfigTable), TimeProvider.System);
        var steps = new Dictionary<string, (string Verdict, string Reason)>();
        foreach (var (_, record) in Records)
            steps[record["eventID"]!.GetValue<string>()] = await StepVerdictAsync(source, record);

        Assert.Equal(Records.Length, scan.Count);
        // scan's dedup turns a candidate into "alert" (or "duplicate", which two accounts' reads must not be).
        Assert.DoesNotContain(scan.Values, v => v.Verdict == "duplicate");
        Assert.Equal(steps.OrderBy(s => s.Key, StringComparer.Ordinal), scan.Select(s => KeyValuePair.Create(s.Key, s.Value.Verdict == "alert"
            ? ("alert-candidate", s.Value.Reason) : s.Value)).OrderBy(s => s.Key, StringComparer.Ordinal));
        Assert.Equal(("allowlisted", "alert-candidate"), (steps["a-role-1"].Verdict, steps["b-role-1"].Verdict));
        Assert.Equal(("not-sensitive", "alert-candidate"), (steps["a-payroll-1"].Verdict, steps["b-payroll-1"].Verdict));
    }

    /// <summary>Parse Event → Check Allowlist → Classify Sensitivity, as the state machine chains them.</summary>
    private static async Task<(string Verdict, string Reason)> StepVerdictAsync(CachedConfigSource source, JsonObject record)
    {
        var parsed = await StepEvents.ParseAsync(record.DeepClone().AsObject());
        var request = StepEvents.AccessRequest(parsed);
        var trust = JsonSerializer.Deserialize(await new CheckAllowlistStep(source).HandleAsync(request, CancellationToken.None), StepJsonContext.Default.CheckAllowlistResult)!;
        if (trust.Trusted)
            return ("allowlisted", trust.Reason);
        var sensitivity = JsonSerializer.Deserialize(await new ClassifySensitivityStep(source).HandleAsync(request, CancellationToken.None), StepJsonContext.Default.ClassifySensitivityResult)!;
        return sensitivity.Sensitive
            ? ("alert-candidate", new AlertCandidate(parsed.Access!, sensitivity.Classification!, trust.Reason).Reason)
            : ("not-sensitive", sensitivity.Reason);
    }

    /// <summary>A temporary folder, deleted with its contents.</summary>
    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("s3audit-org-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
