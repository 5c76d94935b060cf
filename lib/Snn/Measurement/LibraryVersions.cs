using System.Reflection;
using TorchSharp;

namespace Snn.Measurement;

/// <summary>
/// The versions of the native stack a number was made with (libtorch and its binding, TorchSharp): what a run and a
/// benchmark record beside the CPU model (<see cref="CpuInfo"/>), since kernels change between libtorch versions.
/// </summary>
public static class LibraryVersions
{
    /// <summary>TorchSharp's informational version without the source hash, e.g. "0.107.0".</summary>
    public static string TorchSharp => InformationalVersion(typeof(torch).Assembly);

    /// <summary>The libtorch this process loaded, as TorchSharp reports it, e.g. "2.10.0.0".</summary>
    public static string Libtorch => torch.__version__;

    /// <summary>"libtorch 2.10.0.0, TorchSharp 0.107.0".</summary>
    public static string Describe() => $"libtorch {Libtorch}, TorchSharp {TorchSharp}";

    /// <summary>An assembly's informational version without the "+hash" suffix (its version where none is set).</summary>
    public static string InformationalVersion(Assembly assembly) =>
        (assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version?.ToString() ?? "?")
        .Split('+')[0];
}
