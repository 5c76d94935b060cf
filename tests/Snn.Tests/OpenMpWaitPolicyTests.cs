using Snn.Threading;

namespace Snn.Tests;

public sealed class OpenMpWaitPolicyTests
{
    [Theory]
    [InlineData(null, null, false, 0.1, false, "active (auto: 0.1 cores busy)")]
    [InlineData("auto", null, false, 1.2, true, "passive (auto: 1.2 cores busy)")]
    [InlineData(" Passive ", null, false, null, true, "passive ($SNN_OMP_WAIT=passive)")]
    [InlineData("active", null, false, 1.9, false, "active ($SNN_OMP_WAIT=active)")]
    [InlineData("passive", "ACTIVE", false, null, false, "active (OMP_WAIT_POLICY set by the user)")]
    [InlineData("passive", null, true, null, false, "default (OpenMP was already loaded)")]
    [InlineData(null, null, false, null, false, "active (auto: load unknown)")]
    public void Decides_from_the_request_the_user_policy_and_the_load(string? requested, string? user, bool loaded, double? busy, bool passive, string text)
    {
        Assert.Equal((passive, text), OpenMpWaitPolicy.Decide(requested, user, loaded, busy));
    }

    [Fact]
    public void Rejects_an_unknown_choice_naming_the_variable()
    {
        var e = Assert.Throws<ArgumentException>(() => OpenMpWaitPolicy.Decide("spin", null, false, null));
        Assert.Contains("SNN_OMP_WAIT", e.Message);
        Assert.Contains("auto, active, passive", e.Message);
    }

    [Fact]
    public void Busy_cores_come_from_proc_stat_within_the_machine()
    {
        Assert.SkipUnless(File.Exists("/proc/stat"), "no /proc/stat (not Linux)");
        // A thread of this process spins through the window: at least a few tenths of a core are busy.
        var stop = 0;
        var spinner = new Thread(() => { while (Volatile.Read(ref stop) == 0) { } });
        spinner.Start();
        var busy = OpenMpWaitPolicy.OtherProcessesBusyCores(TimeSpan.FromMilliseconds(300));
        Volatile.Write(ref stop, 1);
        spinner.Join();
        Assert.NotNull(busy);
        Assert.InRange(busy!.Value, 0.3, Environment.ProcessorCount + 0.01);
    }
}
