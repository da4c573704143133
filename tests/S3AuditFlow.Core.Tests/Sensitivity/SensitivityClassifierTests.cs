using S3AuditFlow.Core.Events;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Tests.Support;

namespace S3AuditFlow.Core.Tests.Sensitivity;

public class SensitivityClassifierTests
{
    private static SensitivityClassifier Build(params SensitivityRule[] rules)
    {
        var classifier = SensitivityClassifier.Build(rules, out var invalid);
        Assert.Empty(invalid);
        return classifier;
    }

    private static bool Matches(SensitivityRule rule, string key, string bucket = "finance") =>
        Build(rule).Classify(new ObjectRef(bucket, key)) is not null;

    [Theory]
    [InlineData("exports/cardholder-2024.csv", true)]
    [InlineData("exports/CardHolder-2024.csv", true)]
    [InlineData("EXPORTS/CARDHOLDER.CSV", true)]
    [InlineData("cardholder", true)]
    [InlineData("exports/card-holder.csv", false)]
    public void KeywordIsACaseInsensitiveSubstring(string key, bool expected)
    {
        Assert.Equal(expected, Matches(new SensitivityRule(RuleKind.Keyword, "cardholder"), key));
    }

    [Theory]
    [InlineData("hr/exports/a.csv", true)]
    [InlineData("hr/", true)]
    [InlineData("HR/exports/a.csv", false)]
    [InlineData("archive/hr/a.csv", false)]
    [InlineData("hr", false)]
    public void PrefixIsACaseSensitiveStart(string key, bool expected)
    {
        Assert.Equal(expected, Matches(new SensitivityRule(RuleKind.Prefix, "hr/"), key));
    }

    [Theory]
    [InlineData("*.csv", "a.csv", true)]
    [InlineData("*.csv", "dir/a.csv", false)]
    [InlineData("*.csv", "a.csv.bak", false)]
    [InlineData("**/*.csv", "dir/sub/a.csv", true)]
    [InlineData("**/*.csv", "a.csv", true)]
    [InlineData("secrets/**", "secrets/a/b.txt", true)]
    [InlineData("secrets/**", "secrets/", true)]
    [InlineData("secrets/**", "secrets", false)]
    [InlineData("secrets/**", "other/secrets/a", false)]
    [InlineData("a/**/b.txt", "a/b.txt", true)]
    [InlineData("a/**/b.txt", "a/x/y/b.txt", true)]
    [InlineData("a/**/b.txt", "ab.txt", false)]
    [InlineData("report-?.pdf", "report-1.pdf", true)]
    [InlineData("report-?.pdf", "report-10.pdf", false)]
    [InlineData("report-?.pdf", "report-/.pdf", false)]
    [InlineData("**/.env", ".env", true)]
    [InlineData("**/.env", "app/.env", true)]
    [InlineData("**/.env", "app/.env.bak", false)]
    [InlineData("*secret*", "my-secret-file", true)]
    [InlineData("*secret*", "dir/secret", false)]
    [InlineData("file(1)+[x].txt", "file(1)+[x].txt", true)]
    [InlineData("file(1)+[x].txt", "file1x.txt", false)]
    [InlineData("*.PEM", "key.pem", false)]
    [InlineData("*.csv", "a.csv\n", false)]
    public void GlobCoversTheWholeKey(string glob, string key, bool expected)
    {
        Assert.Equal(expected, Matches(new SensitivityRule(RuleKind.Glob, glob), key));
    }

    [Fact]
    public void GlobsCostLittleMoreThanTheirText()
    {
        // Each used to be a NonBacktracking regex of about 0.5 MB: 1,000 globs took half a gigabyte.
        var rules = Enumerable.Range(0, 100).Select(i => new SensitivityRule(RuleKind.Glob, $"data/team-{i}/**/*.csv")).ToList();
        var key = new ObjectRef("finance", "data/team-99/2026/11/export.csv");

        var before = GC.GetAllocatedBytesForCurrentThread();
        var classification = Build([.. rules]).Classify(key);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(rules[99], classification?.Rule);
        Assert.InRange(allocated, 0, 1024 * 1024);
    }

    [Fact]
    public void ClassificationCarriesTheRulesLevelAndTheObject()
    {
        var rule = new SensitivityRule(RuleKind.Keyword, "cardholder", SensitivityLevel.Critical);

        var result = Build(rule).Classify(new ObjectRef("finance", "cardholder.csv"));

        Assert.Equal(new Classification(SensitivityLevel.Critical, rule, new ObjectRef("finance", "cardholder.csv")), result);
        Assert.Equal("keyword \"cardholder\" (critical)", result!.Describe());
    }

    [Fact]
    public void DefaultLevelIsHigh()
    {
        Assert.Equal(SensitivityLevel.High, Build(new SensitivityRule(RuleKind.Keyword, "x")).Classify(new ObjectRef("b", "x"))!.Level);
    }

    [Fact]
    public void HighestLevelWinsWhateverTheRuleOrder()
    {
        SensitivityRule[] rules =
        [
            new(RuleKind.Keyword, "secret", SensitivityLevel.Low),
            new(RuleKind.Prefix, "vault/", SensitivityLevel.Critical),
            new(RuleKind.Glob, "**/*.txt", SensitivityLevel.Medium),
        ];
        var key = new ObjectRef("finance", "vault/secret.txt");

        Assert.Equal(rules[1], Build(rules).Classify(key)!.Rule);
        Assert.Equal(rules[1], Build([.. rules.Reverse()]).Classify(key)!.Rule);
    }

    [Fact]
    public void FirstRuleWinsATie()
    {
        var first = new SensitivityRule(RuleKind.Keyword, "secret");
        var second = new SensitivityRule(RuleKind.Glob, "**");

        Assert.Equal(first, Build(first, second).Classify(new ObjectRef("b", "secret.txt"))!.Rule);
    }

    [Fact]
    public void NoMatchingRuleGivesNull()
    {
        Assert.Null(Build(new SensitivityRule(RuleKind.Keyword, "cardholder")).Classify(new ObjectRef("b", "readme.md")));
        Assert.Null(Build().Classify(new ObjectRef("b", "cardholder.csv")));
    }

    [Fact]
    public void BucketScopedRuleMatchesOnlyInItsBucket()
    {
        var rule = new SensitivityRule(RuleKind.Prefix, "exports/", SensitivityLevel.Critical, Bucket: "hr-data");

        Assert.True(Matches(rule, "exports/a.csv", bucket: "hr-data"));
        Assert.False(Matches(rule, "exports/a.csv", bucket: "marketing"));
        Assert.Equal("prefix \"exports/\" in bucket hr-data", rule.Describe());
    }

    [Fact]
    public void CopyIsClassifiedByItsSourceAndItsDestination()
    {
        var classifier = Build(new SensitivityRule(RuleKind.Prefix, "secret/"));
        var intoSecret = Accesses.Read(bucket: "b", key: "secret/readme.txt", copySource: new ObjectRef("b", "public/readme.txt"));
        var outOfSecret = Accesses.Read(bucket: "b", key: "public/readme.txt", copySource: new ObjectRef("b", "secret/readme.txt"));

        Assert.Equal(new ObjectRef("b", "secret/readme.txt"), classifier.Classify(intoSecret)!.Object);
        Assert.Equal(new ObjectRef("b", "secret/readme.txt"), classifier.Classify(outOfSecret)!.Object);
    }

    [Fact]
    public void CopyTakesTheHigherOfSourceAndDestinationAndTheSourceOnATie()
    {
        var classifier = Build(new SensitivityRule(RuleKind.Prefix, "src/", SensitivityLevel.Medium), new SensitivityRule(RuleKind.Prefix, "dst/", SensitivityLevel.Critical));
        var copy = Accesses.Read(bucket: "b", key: "dst/x", copySource: new ObjectRef("b", "src/x"));

        var result = classifier.Classify(copy)!;
        Assert.Equal(SensitivityLevel.Critical, result.Level);
        Assert.Equal(new ObjectRef("b", "dst/x"), result.Object);

        var tie = Build(new SensitivityRule(RuleKind.Glob, "**")).Classify(copy)!;
        Assert.Equal(new ObjectRef("b", "src/x"), tie.Object);
    }

    [Fact]
    public void PlainReadIsClassifiedByItsObject()
    {
        var classifier = Build(new SensitivityRule(RuleKind.Keyword, "cardholder", SensitivityLevel.Critical));

        var result = classifier.Classify(Fixtures.Access("record-GetObject-iamuser.json"));

        Assert.Equal(new ObjectRef("acme-finance-exports", "exports/2024/cardholder-data.csv"), result!.Object);
    }

    [Fact]
    public void InvalidRulesAreReturnedWithTheReason()
    {
        var good = new SensitivityRule(RuleKind.Keyword, "cardholder");
        var empty = new SensitivityRule(RuleKind.Keyword, "");
        var badLevel = new SensitivityRule(RuleKind.Keyword, "x", (SensitivityLevel)99);

        var classifier = SensitivityClassifier.Build([good, empty, badLevel], out var invalid);

        Assert.Equal([(empty, "empty value"), (badLevel, "unknown level")], invalid);
        Assert.Equal([good], classifier.Rules);
    }

    [Fact]
    public void GlobsAreBoundedAt1024Characters()
    {
        // The fuzzer's 2,000-? glob crashed config load; an S3 key is at most 1,024 bytes, so no longer glob is needed.
        var longest = new SensitivityRule(RuleKind.Glob, new string('?', 1024));
        var tooLong = new SensitivityRule(RuleKind.Glob, new string('?', 1025));
        var fuzzed = new SensitivityRule(RuleKind.Glob, new string('?', 2000));

        var classifier = SensitivityClassifier.Build([longest, tooLong, fuzzed], out var invalid);

        Assert.Equal([(tooLong, "pattern longer than 1,024 characters"), (fuzzed, "pattern longer than 1,024 characters")], invalid);
        Assert.NotNull(classifier.Classify(new ObjectRef("b", new string('k', 1024))));
        Assert.Null(SensitivityClassifier.Validate(longest));
        Assert.Equal("pattern longer than 1,024 characters", SensitivityClassifier.Validate(tooLong));
        // Keywords and prefixes are compared, not matched as patterns: no bound of this kind.
        Assert.Null(SensitivityClassifier.Validate(new SensitivityRule(RuleKind.Prefix, new string('p', 2000))));
    }

    [Theory]
    [InlineData(SensitivityLevel.Critical, SensitivityLevel.High)]
    [InlineData(SensitivityLevel.High, SensitivityLevel.Medium)]
    [InlineData(SensitivityLevel.Medium, SensitivityLevel.Low)]
    [InlineData(SensitivityLevel.Low, SensitivityLevel.Low)]
    public void LoweredStopsAtLow(SensitivityLevel level, SensitivityLevel expected)
    {
        Assert.Equal(expected, level.Lowered());
    }
}
