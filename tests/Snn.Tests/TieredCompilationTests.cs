using System.Text.Json;
using Snn.Measurement;

namespace Snn.Tests;

public class TieredCompilationTests
{
    [Theory]
    [InlineData(null, null, null, true)]         // the runtime's default
    [InlineData("0", null, null, false)]
    [InlineData("1", null, null, true)]
    [InlineData("0x0", null, null, false)]       // the runtime reads these variables as hexadecimal
    [InlineData("1", "0", null, true)]           // DOTNET_ before COMPlus_
    [InlineData(null, "0", "true", false)]       // either variable before the runtimeconfig
    [InlineData(null, null, "false", false)]
    [InlineData("yes", null, "false", false)]    // a value the runtime cannot parse is skipped
    [InlineData("", null, "true", true)]
    public void The_runtimes_precedence_decides(string? dotnetVariable, string? complusVariable, string? config, bool expected) =>
        Assert.Equal(expected, TieredCompilation.Decide(dotnetVariable, complusVariable, config));

    /// <summary>The snn command's runtimeconfig turns tiering off (its background JIT takes a core from libtorch's threads).</summary>
    [Fact]
    public void The_snn_command_runs_without_tiered_compilation()
    {
        var config = Path.Combine(AppContext.BaseDirectory, "Snn.Cli.runtimeconfig.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(config));
        var property = doc.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").GetProperty(TieredCompilation.ConfigProperty);
        Assert.False(property.GetBoolean());
    }
}
