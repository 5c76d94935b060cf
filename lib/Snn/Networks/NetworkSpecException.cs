using System.Text.RegularExpressions;
using Snn.Layers;
using Snn.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Networks;

/// <summary>A spec token that could not be parsed or does not fit the incoming shape.</summary>
public sealed class NetworkSpecException(string message) : ArgumentException(message);
