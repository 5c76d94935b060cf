using Snn.Threading;

namespace Snn.Tests;

public sealed class OpenMpSettingsTests
{
    private static OpenMpSettings.Request Ask(string? wait = null, string? threads = null, string? userWait = null, string? userThreads = null, bool loaded = false) =>
        new(wait, threads, userWait, userThreads, loaded);

    [Theory]
    [InlineData(null, 0.1, false, "wait active (auto: 0.1 cores busy); 2 threads (auto: 0.1 cores busy)")]
    [InlineData("auto", 1.2, true, "wait passive (auto: 1.2 cores busy); 1 thread (auto: 1.2 cores busy)")]
    [InlineData(" Passive ", null, true, "wait passive ($SNN_OMP_WAIT=passive); 2 threads (auto: load unknown)")]
    [InlineData("active", 1.9, false, "wait active ($SNN_OMP_WAIT=active); 1 thread (auto: 1.9 cores busy)")]
    [InlineData(null, null, false, "wait active (auto: load unknown); 2 threads (auto: load unknown)")]
    public void Wait_policy_follows_the_request_and_the_load(string? wait, double? busy, bool passive, string text)
    {
        var choice = OpenMpSettings.Decide(Ask(wait), busy, physicalCores: 2, logicalCores: 2);
        Assert.Equal(passive, choice.Passive);
        Assert.Equal(text, choice.Text);
    }

    [Theory]
    // Idle or unknown load: libtorch's default (one per physical core) stays.
    [InlineData(0.2, 2, 2, null)]
    [InlineData(null, 2, 2, null)]
    // One busy core of two: one thread; half a core counts.
    [InlineData(1.0, 2, 2, 1)]
    [InlineData(0.5, 2, 2, 1)]
    // Never below one.
    [InlineData(3.7, 2, 2, 1)]
    // 8 physical cores with hyperthreads: 16 logical − 3 busy = 13 free, capped at the default 8 → unchanged.
    [InlineData(3.0, 8, 16, null)]
    // 8 cores without hyperthreads, 3 busy: 5.
    [InlineData(3.0, 8, 8, 5)]
    public void Auto_threads_leave_the_cores_others_keep_busy(double? busy, int physical, int logical, int? threads)
    {
        Assert.Equal(threads, OpenMpSettings.Decide(Ask(), busy, physical, logical).Threads);
    }

    [Fact]
    public void An_explicit_count_and_the_users_own_variables_win()
    {
        var asked = OpenMpSettings.Decide(Ask(threads: "3"), busyCores: 1.5, physicalCores: 2, logicalCores: 2);
        Assert.Equal(3, asked.Threads);
        Assert.Contains("3 threads ($SNN_THREADS=3)", asked.Text);

        var user = OpenMpSettings.Decide(Ask(threads: "3", userWait: "ACTIVE", userThreads: "4"), busyCores: 1.5, physicalCores: 2, logicalCores: 2);
        Assert.Equal((false, (int?)null), (user.Passive, user.Threads));
        Assert.Equal("wait active (OMP_WAIT_POLICY set by the user); 4 threads (OMP_NUM_THREADS set by the user)", user.Text);

        var loaded = OpenMpSettings.Decide(Ask(wait: "passive", threads: "1", loaded: true), busyCores: null, physicalCores: 2, logicalCores: 2);
        Assert.Equal(new OpenMpSettings.Choice(false, null, "default (OpenMP was already loaded)"), loaded);
    }

    [Fact]
    public void The_load_is_sampled_only_when_auto_decides_something()
    {
        Assert.True(Ask().NeedsLoad);
        Assert.True(Ask(wait: "passive").NeedsLoad);               // threads still auto
        Assert.False(Ask(wait: "passive", threads: "2").NeedsLoad);
        Assert.False(Ask(userWait: "PASSIVE", userThreads: "2").NeedsLoad);
        Assert.False(Ask(loaded: true).NeedsLoad);
    }

    [Theory]
    [InlineData("spin", null, "SNN_OMP_WAIT", "auto, active, passive")]
    [InlineData(null, "0", "SNN_THREADS", "auto or a thread count ≥ 1")]
    [InlineData(null, "two", "SNN_THREADS", "auto or a thread count ≥ 1")]
    [InlineData(null, "-1", "SNN_THREADS", "auto or a thread count ≥ 1")]
    public void Rejects_an_unknown_value_naming_the_variable(string? wait, string? threads, string variable, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => OpenMpSettings.Decide(Ask(wait, threads), null, 2, 2));
        Assert.Contains(variable, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void This_process_spinning_is_not_counted_as_other_processes_load()
    {
        Assert.SkipUnless(File.Exists("/proc/stat") && File.Exists("/proc/self/stat"), "no /proc (not Linux)");
        // Measured in pairs: idle, then with a thread of this process spinning. The spinning core is this process's own,
        // so the others' load may not rise by anything near a core. The machine's other load drifts (a full test run
        // starts right after a build, whose processes wind down): the pair with the smallest rise of three is judged,
        // which counting this process's own core would still push up by about one core.
        (double Idle, double Spinning)? best = null;
        for (var pair = 0; pair < 3; pair++)
        {
            var idle = OpenMpSettings.OtherProcessesBusyCores(TimeSpan.FromMilliseconds(300));
            var stop = 0;
            var spinner = new Thread(() => { while (Volatile.Read(ref stop) == 0) { } });
            spinner.Start();
            var spinning = OpenMpSettings.OtherProcessesBusyCores(TimeSpan.FromMilliseconds(300));
            Volatile.Write(ref stop, 1);
            spinner.Join();
            Assert.NotNull(idle);
            Assert.NotNull(spinning);
            Assert.InRange(spinning!.Value, 0, Environment.ProcessorCount + 0.01);
            if (best is null || spinning.Value - idle!.Value < best.Value.Spinning - best.Value.Idle) best = (idle!.Value, spinning.Value);
        }
        var (idleLoad, spinningLoad) = best!.Value;
        Assert.True(spinningLoad < idleLoad + 0.6, $"others' load {idleLoad:F2} idle vs {spinningLoad:F2} while this process spun one core");
    }

    [Fact]
    public void Physical_cores_are_between_one_and_the_logical_count()
    {
        Assert.InRange(OpenMpSettings.PhysicalCores(), 1, Environment.ProcessorCount);
    }
}
