namespace S3AuditFlow.Functions.Tests;

/// <summary>cfn-lint (AWS's CloudFormation linter, a Python tool) when it is on PATH; the tests that need it are skipped otherwise.</summary>
internal static class CfnLint
{
    public const string SkipReason = "cfn-lint is not installed (pip install cfn-lint)";

    /// <summary>The cfn-lint executable on PATH, or null.</summary>
    public static string? Path { get; } = OnPath("cfn-lint");

    /// <summary>An executable on PATH, or null.</summary>
    public static string? OnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = System.IO.Path.Combine(dir, OperatingSystem.IsWindows() ? name + ".exe" : name);
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

/// <summary>
/// The AWS SAM translator (the Python package aws-sam-translator that `sam build`/`sam deploy` and CloudFormation's
/// transform run) when python3 can import it; the tests that need it are skipped otherwise.
/// </summary>
internal static class SamTranslator
{
    public const string SkipReason = "the SAM translator is not installed (pip install aws-sam-translator)";

    /// <summary>
    /// Expands a template as the transform does and prints "ERROR …" per problem (exit 1) or the resource count.
    /// Local CodeUri/DefinitionUri become S3 URIs first, as `sam package` would make them.
    /// </summary>
    public const string Script = """
        import json, os, sys
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        from samtranslator.translator.transform import transform
        from samtranslator.public.exceptions import InvalidDocumentException

        class Policies:
            def load(self):
                # The managed policies SAM attaches to the functions' roles (basic execution, X-Ray).
                return {
                    "AWSLambdaBasicExecutionRole": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                    "AWSXrayWriteOnlyAccess": "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
                    "AWSXRayDaemonWriteAccess": "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess",
                }

        template = json.load(open(sys.argv[1], encoding="utf-8"))
        for resource in template.get("Resources", {}).values():
            properties = resource.get("Properties", {})
            for uri in ("CodeUri", "DefinitionUri"):
                if isinstance(properties.get(uri), str) and not properties[uri].startswith("s3://"):
                    properties[uri] = "s3://artifacts/" + uri
        try:
            expanded = transform(template, {}, Policies())
        except InvalidDocumentException as e:
            for cause in e.causes:
                print("ERROR " + cause.message)
            sys.exit(1)
        print(f"{len(expanded['Resources'])} resources")
        """;

    /// <summary>python3 on PATH when it can import samtranslator, or null.</summary>
    public static string? Python { get; } = Find();

    private static string? Find()
    {
        var python = CfnLint.OnPath("python3");
        if (python is null)
            return null;
        try
        {
            using var probe = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(python, ["-c", "import samtranslator"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            if (!probe.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                probe.Kill();
                return null;
            }
            return probe.ExitCode == 0 ? python : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}

/// <summary>A fact that needs the SAM translator: reported skipped, not passed, where it is absent.</summary>
public sealed class SamTranslatorFactAttribute : FactAttribute
{
    public SamTranslatorFactAttribute()
    {
        if (SamTranslator.Python is null)
            Skip = SamTranslator.SkipReason;
    }
}
