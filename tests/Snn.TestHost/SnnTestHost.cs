using System.Globalization;
using Snn.Training;

namespace Snn.TestHost;

/// <summary>
/// `snn` for the kill tests: <c>Snn.TestHost --stop-in-checkpoint-write N ARGS…</c> runs <c>snn ARGS…</c>, whose N-th
/// checkpoint write stops halfway (the weights written and flushed, the heads and optimizer states not), says so on
/// stderr (<see cref="StoppedMarker"/>) and waits there until the test kills the process (SIGKILL). Without the option
/// it is plain `snn`.
/// </summary>
public static class SnnTestHost
{
    public const string StopInCheckpointWrite = "--stop-in-checkpoint-write";

    /// <summary>The stderr line that says the write stopped: the moment to kill.</summary>
    public const string StoppedMarker = "snn test host: stopped halfway through checkpoint write";

    public static int Main(string[] args)
    {
        if (args is [StopInCheckpointWrite, var text, .. var rest])
        {
            var stopAt = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
            var writes = 0;
            TrainingCheckpoint.HalfwayThroughWrite = temporary =>
            {
                if (Interlocked.Increment(ref writes) != stopAt) return;
                Console.Error.WriteLine($"{StoppedMarker} {stopAt} ({temporary})");
                Console.Error.Flush();
                // Stdin is a pipe from the test process: it ends only when that process is gone, and then so does this
                // one, leaving the write unfinished as a kill would.
                Console.In.ReadToEnd();
                Environment.Exit(137);
            };
            args = rest;
        }
        return Snn.Cli.Cli.Start(args);
    }
}
