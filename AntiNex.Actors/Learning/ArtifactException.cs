namespace AntiNex.Learning;

public sealed class ArtifactException(string message, Exception? inner = null) : Exception(message, inner);
