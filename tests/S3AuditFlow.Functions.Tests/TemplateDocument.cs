using System.Text.Json;
using System.Text.Json.Nodes;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Functions.Tests;

/// <summary>serverless.template and the ASL it points at, parsed, with the lookups the template and ASL tests share.</summary>
internal sealed partial class TemplateDocument
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

    /// <summary>The repository's member.template (member accounts of an organization-wide deployment).</summary>
    public static string MemberTemplatePath => System.IO.Path.Combine(RepoPaths.Root, "member.template");

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

    /// <summary>Every function, the pre-filter sync's included (what the Makefile builds).</summary>
    public IReadOnlyList<string> AllFunctionIds => IdsOfType(FunctionType);

    /// <summary>The audit workflow's functions: those that exist whatever the parameters (the sync's exist only with PreFilters on).</summary>
    public IReadOnlyList<string> FunctionIds => [.. AllFunctionIds.Where(id => Resource(id)["Condition"] is null)];

    /// <summary>The audit workflow's state machine (the Sync Filters one is conditional on PreFilters).</summary>
    public string StateMachineId => Assert.Single(IdsOfType(StateMachineType), id => Resource(id)["Condition"] is null);

    public const string SyncStateMachineId = "SyncFiltersStateMachine";

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

    /// <summary>The audit state machine's definition file (DefinitionUri, relative to the template).</summary>
    public string AslPath => AslPathOf(StateMachineId);

    /// <summary>A state machine's definition file.</summary>
    public string AslPathOf(string stateMachineId)
    {
        var uri = (string?)PropertiesOf(stateMachineId)["DefinitionUri"] ?? throw new Xunit.Sdk.XunitException($"{stateMachineId} has no local DefinitionUri");
        return System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, uri);
    }

    public JsonObject LoadAsl(string? stateMachineId = null) => JsonNode.Parse(File.ReadAllText(AslPathOf(stateMachineId ?? StateMachineId)))!.AsObject();

    /// <summary>
    /// What CloudFormation makes of <paramref name="node"/> for the given parameter values (the others take their
    /// Default): Ref of a parameter or of a pseudo parameter (AWS::AccountId, AWS::Region, AWS::Partition,
    /// AWS::StackName: given in <paramref name="parameters"/>; AWS::NoValue removes the list item or property),
    /// Fn::Sub of a string naming parameters and pseudo parameters, Fn::Join, Fn::Split, Fn::Select, Fn::If, and the
    /// condition functions Fn::Equals, Fn::Not, Fn::And, Fn::Or, Fn::Contains and Condition; other objects are
    /// evaluated property by property. A CommaDelimitedList is given as typed ("a,b").
    /// </summary>
    public JsonNode? Evaluate(JsonNode? node, IReadOnlyDictionary<string, string> parameters)
    {
        var value = EvaluateOrNoValue(node, parameters);
        return ReferenceEquals(value, NoValue) ? null : value;
    }

    /// <summary>What Ref AWS::NoValue evaluates to until its list or object drops it.</summary>
    private static readonly JsonObject NoValue = new() { ["Ref"] = "AWS::NoValue" };

    private static readonly string[] Intrinsics = ["Ref", "Fn::Sub", "Fn::Join", "Fn::Split", "Fn::Select", "Fn::If", "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Fn::Contains", "Condition"];

    private JsonNode? EvaluateOrNoValue(JsonNode? node, IReadOnlyDictionary<string, string> parameters)
    {
        switch (node)
        {
            case JsonArray list:
                return new JsonArray([.. list.Select(item => EvaluateOrNoValue(item, parameters)).Where(item => !ReferenceEquals(item, NoValue))]);
            case JsonObject fn when fn.Count == 1 && Intrinsics.Contains(fn.First().Key):
                var (name, argument) = fn.First();
                var args = argument as JsonArray;
                switch (name)
                {
                    case "Ref" when (string?)argument == "AWS::NoValue":
                        return NoValue;
                    case "Ref" when ((string)argument!).StartsWith("AWS::", StringComparison.Ordinal):
                        return Pseudo((string)argument!, parameters);
                    case "Fn::Sub" when argument is JsonValue:
                        return SubReference().Replace((string)argument!, m => m.Groups[1].Value.StartsWith("AWS::", StringComparison.Ordinal)
                            ? Pseudo(m.Groups[1].Value, parameters)
                            : (string?)Evaluate(Ref(m.Groups[1].Value), parameters) ?? throw new Xunit.Sdk.XunitException($"Fn::Sub of {m.Value}: not a String parameter"));
                    case "Ref":
                        var id = (string)argument!;
                        var parameter = Parameters[id]?.AsObject() ?? throw new Xunit.Sdk.XunitException($"Ref {id} is not a parameter");
                        var value = parameters.TryGetValue(id, out var given) ? given : parameter["Default"]?.ToString()
                            ?? throw new Xunit.Sdk.XunitException($"parameter {id} has no value and no Default");
                        return (string?)parameter["Type"] == "CommaDelimitedList" ? new JsonArray([.. value.Split(',').Select(v => (JsonNode)v)]) : value;
                    case "Fn::Join":
                        return string.Join((string)args![0]!, Evaluate(args[1], parameters)!.AsArray().Select(v => (string)v!));
                    case "Fn::Split":
                        return new JsonArray([.. ((string)Evaluate(args![1], parameters)!).Split((string)args[0]!).Select(v => (JsonNode)v)]);
                    case "Fn::Select":
                        return Evaluate(args![1], parameters)!.AsArray()[(int)Evaluate(args[0], parameters)!]!.DeepClone();
                    case "Fn::If":
                        return EvaluateOrNoValue(Condition((string)args![0]!, parameters) ? args[1] : args[2], parameters);
                    case "Fn::Equals":
                        return JsonNode.DeepEquals(Evaluate(args![0], parameters), Evaluate(args[1], parameters));
                    case "Fn::Not":
                        return !(bool)Evaluate(args![0], parameters)!;
                    case "Fn::And":
                        return args!.All(a => (bool)Evaluate(a, parameters)!);
                    case "Fn::Or":
                        return args!.Any(a => (bool)Evaluate(a, parameters)!);
                    case "Fn::Contains":
                        var item = Evaluate(args![1], parameters);
                        return Evaluate(args[0], parameters)!.AsArray().Any(v => JsonNode.DeepEquals(v, item));
                    case "Condition":
                        return Condition((string)argument!, parameters);
                }
                throw new Xunit.Sdk.XunitException($"cannot evaluate {name} here: {Show(fn)}");
            case JsonObject plain:
                var evaluated = new JsonObject();
                foreach (var (key, item) in plain)
                {
                    var itemValue = EvaluateOrNoValue(item, parameters);
                    if (!ReferenceEquals(itemValue, NoValue))
                        evaluated[key] = itemValue;
                }
                return evaluated;
        }
        return node?.DeepClone();
    }

    private static string Pseudo(string name, IReadOnlyDictionary<string, string> parameters) =>
        parameters.TryGetValue(name, out var value) ? value : throw new Xunit.Sdk.XunitException($"give the pseudo parameter {name} a value");

    [System.Text.RegularExpressions.GeneratedRegex(@"\$\{([^}!.]+)\}")]
    private static partial System.Text.RegularExpressions.Regex SubReference();

    /// <summary>A named condition of the Conditions section, evaluated.</summary>
    public bool Condition(string name, IReadOnlyDictionary<string, string> parameters) =>
        (bool)Evaluate(Root["Conditions"]?[name] ?? throw new Xunit.Sdk.XunitException($"no condition {name}"), parameters)!;

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
