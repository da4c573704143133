using System.Text.Json;
using System.Text.Json.Nodes;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Functions.Tests;

/// <summary>serverless.template and the ASL it points at, parsed, with the lookups the template and ASL tests share.</summary>
internal sealed class TemplateDocument
{
    public const string FunctionType = "AWS::Serverless::Function";
    public const string StateMachineType = "AWS::Serverless::StateMachine";

    private TemplateDocument(string path, string text)
    {
        Path = path;
        Text = text;
        Root = JsonNode.Parse(text)?.AsObject() ?? throw new InvalidOperationException($"{path} is not a JSON object");
    }

    /// <summary>The repository's serverless.template.</summary>
    public static string RepoTemplatePath => System.IO.Path.Combine(RepoPaths.Root, "serverless.template");

    public string Path { get; }

    public string Text { get; }

    public JsonObject Root { get; }

    public JsonObject Resources => Root["Resources"]!.AsObject();

    public JsonObject Parameters => Root["Parameters"]!.AsObject();

    public JsonObject Outputs => Root["Outputs"]!.AsObject();

    /// <summary>Globals.Function, or an empty object.</summary>
    public JsonObject FunctionGlobals => Root["Globals"]?["Function"]?.AsObject() ?? [];

    public static TemplateDocument Load(string? path = null)
    {
        path ??= RepoTemplatePath;
        return new TemplateDocument(path, File.ReadAllText(path));
    }

    public JsonObject Resource(string logicalId) =>
        Resources[logicalId]?.AsObject() ?? throw new Xunit.Sdk.XunitException($"the template has no resource {logicalId}");

    public static JsonObject Properties(JsonObject resource) => resource["Properties"]?.AsObject() ?? [];

    public JsonObject PropertiesOf(string logicalId) => Properties(Resource(logicalId));

    public IReadOnlyList<string> IdsOfType(string type) =>
        [.. Resources.Where(r => (string?)r.Value?["Type"] == type).Select(r => r.Key)];

    public IReadOnlyList<string> FunctionIds => IdsOfType(FunctionType);

    public string StateMachineId => Assert.Single(IdsOfType(StateMachineType));

    public JsonObject StateMachineProperties => PropertiesOf(StateMachineId);

    /// <summary>A function property as SAM resolves it: the function's own value, else Globals.Function's.</summary>
    public JsonNode? EffectiveFunctionProperty(string functionId, string name) =>
        PropertiesOf(functionId)[name] ?? FunctionGlobals[name];

    /// <summary>A function's environment variable: its own, else the global one (SAM merges the two maps).</summary>
    public JsonNode? EnvironmentVariable(string functionId, string name) =>
        PropertiesOf(functionId)["Environment"]?["Variables"]?[name] ?? FunctionGlobals["Environment"]?["Variables"]?[name];

    /// <summary>The Policies of a function or state machine as a list (SAM accepts one value or a list).</summary>
    public static IReadOnlyList<JsonNode> Policies(JsonObject properties) => properties["Policies"] switch
    {
        null => [],
        JsonArray list => [.. list.Select(p => p!)],
        var single => [single],
    };

    /// <summary>The state machine definition file (DefinitionUri, relative to the template).</summary>
    public string AslPath
    {
        get
        {
            var uri = (string?)StateMachineProperties["DefinitionUri"] ?? throw new Xunit.Sdk.XunitException("the state machine has no local DefinitionUri");
            return System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, uri);
        }
    }

    public JsonObject LoadAsl() => JsonNode.Parse(File.ReadAllText(AslPath))!.AsObject();

    /// <summary>{"Ref": id}</summary>
    public static JsonNode Ref(string id) => new JsonObject { ["Ref"] = id };

    /// <summary>{"Fn::GetAtt": [id, attribute]}</summary>
    public static JsonNode GetAtt(string id, string attribute) => new JsonObject { ["Fn::GetAtt"] = new JsonArray(id, attribute) };

    /// <summary>Asserts two JSON values are equal, showing both on failure.</summary>
    public static void AssertJson(JsonNode? expected, JsonNode? actual, string what)
    {
        if (!JsonNode.DeepEquals(expected, actual))
            throw new Xunit.Sdk.XunitException($"{what}: expected {Show(expected)} but found {Show(actual)}");
    }

    public static string Show(JsonNode? node) => node?.ToJsonString() ?? "(missing)";

    /// <summary>"Check Allowlist" → "CheckAllowlist": the one name a step has everywhere.</summary>
    public static string StepName(string stateName) => stateName.Replace(" ", "", StringComparison.Ordinal);

    /// <summary>Task states that invoke a Lambda function directly (Resource is a substitution, not an arn:aws:states::: integration).</summary>
    public static IEnumerable<KeyValuePair<string, JsonObject>> LambdaTasks(JsonObject asl) =>
        States(asl).Where(s => (string?)s.Value["Type"] == "Task" && !((string?)s.Value["Resource"] ?? "").StartsWith("arn:aws:states:::", StringComparison.Ordinal));

    public static IEnumerable<KeyValuePair<string, JsonObject>> States(JsonObject asl) =>
        asl["States"]!.AsObject().Select(s => KeyValuePair.Create(s.Key, s.Value!.AsObject()));
}
