using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace S3AuditFlow.Functions.Steps;

/// <summary>Reads a step's typed input; input that does not fit is the state machine's fault, reported as InvalidStepInput.</summary>
internal static class StepInput
{
    public static T Read<T>(byte[] payload, JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(payload, type) ?? throw new StepFailedException("InvalidStepInput", $"{typeof(T).Name} is null");
        }
        catch (JsonException e)
        {
            throw new StepFailedException("InvalidStepInput", $"{typeof(T).Name} does not parse: {e.Message}", e);
        }
    }
}
