namespace Snn.Networks;

/// <summary>A spec token that could not be parsed or does not fit the incoming shape.</summary>
public sealed class NetworkSpecException(string message) : ArgumentException(message);
