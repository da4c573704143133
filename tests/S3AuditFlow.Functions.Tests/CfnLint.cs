namespace S3AuditFlow.Functions.Tests;

/// <summary>cfn-lint (AWS's CloudFormation linter, a Python tool) when it is on PATH; the tests that need it are skipped otherwise.</summary>
internal static class CfnLint
{
    public const string SkipReason = "cfn-lint is not installed (pip install cfn-lint)";

    /// <summary>The cfn-lint executable on PATH, or null.</summary>
    public static string? Path { get; } = Find();

    private static string? Find()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = System.IO.Path.Combine(dir, OperatingSystem.IsWindows() ? "cfn-lint.exe" : "cfn-lint");
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }
}

/// <summary>A fact that needs cfn-lint: reported skipped, not passed, where it is absent (xunit 2 decides skips before the run).</summary>
public sealed class CfnLintFactAttribute : FactAttribute
{
    public CfnLintFactAttribute()
    {
        if (CfnLint.Path is null)
            Skip = CfnLint.SkipReason;
    }
}

/// <summary>A theory that needs cfn-lint.</summary>
public sealed class CfnLintTheoryAttribute : TheoryAttribute
{
    public CfnLintTheoryAttribute()
    {
        if (CfnLint.Path is null)
            Skip = CfnLint.SkipReason;
    }
}
