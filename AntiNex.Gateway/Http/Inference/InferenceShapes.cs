// The Open Inference Protocol v2 response objects, field by field as the specification names them.
namespace AntiNex.Gateway.Http.Inference;

public sealed record ServerLive(bool Live);

public sealed record ServerReady(bool Ready, string? Error = null);

public sealed record ServerMetadata(string Name, string Version, IReadOnlyList<string> Extensions);

public sealed record MetadataTensor(string Name, string Datatype, IReadOnlyList<long> Shape);

public sealed record ModelMetadata(string Name, IReadOnlyList<string> Versions, string Platform,
    IReadOnlyList<MetadataTensor> Inputs, IReadOnlyList<MetadataTensor> Outputs);

public sealed record ModelReady(string Name, bool Ready);

public sealed record ResponseOutput(string Name, IReadOnlyList<long> Shape, string Datatype, object Data);

public sealed record InferenceResponse(string ModelName, string ModelVersion, string? Id, IReadOnlyDictionary<string, object>? Parameters,
    IReadOnlyList<ResponseOutput> Outputs);
