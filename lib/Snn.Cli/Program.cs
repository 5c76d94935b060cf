using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Invocation;
using System.Text.RegularExpressions;
using Snn.Experiments;
using TorchSharp;

// The `snn` command: version, train, sweep, bench, data.
return Snn.Cli.Cli.Start(args);

namespace Snn.Cli
{
    /// <summary>
    /// The `snn` command line (System.CommandLine): the command tree, help, [suggest] completion, and exit codes
    /// 0 ok, 1 a failed run, 2 bad usage or bad input (see <see cref="ExitCodes"/>).
    /// </summary>
    internal static class Cli
    {
        public const string Description = """
            snn — spiking neural networks with temporally-truncated local BPTT (Guo et al. 2023).
            Exit codes: 0 ok, 1 the run failed (diverged, dataset invalid, error during the work), 2 bad usage or bad input.
            Notebooks: ./run.sh runs every notebook (notebooks/); ./test.sh runs the tests.
            Tab completion: dotnet tool install -g dotnet-suggest; dotnet-suggest register --command-path "$(command -v snn)";
            """ + " add the output of `dotnet-suggest script bash` (or zsh) to your shell profile.";   // still one line of the help

        /// <summary>The `snn` process: what must happen before libtorch loads, then <see cref="Run"/>; returns the exit code.</summary>
        public static int Start(string[] args)
        {
            // Training measures step memory with the exact allocation counter: re-executes with it preloaded (no-op if loaded).
            ExactMemoryCounter.EnsureLoaded(args);
            // How many OpenMP threads libtorch uses and how they wait (spinning stalls on a shared machine).
            try { Snn.Threading.OpenMpSettings.Apply(); }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"snn: {e.Message}");
                return ExitCodes.Usage;
            }
            return Run(args);
        }

        /// <summary>Parses and runs <paramref name="args"/>; returns the exit code.</summary>
        public static int Run(string[] args)
        {
            var root = Create();
            var result = root.Parse(args);
            // Help, completions and parse errors go through System.CommandLine's output, buffered here so that the
            // usage lines can say `snn`: the root command is named after the entry assembly (Snn.Cli).
            using var output = new StringWriter();
            var configuration = new InvocationConfiguration { Output = output, Error = Console.Error };
            void Flush()
            {
                var text = output.ToString();
                output.GetStringBuilder().Clear();
                if (root.Name != "snn") text = Regex.Replace(text, $@"(?m)^(\s+){Regex.Escape(root.Name)}(?=\s|$)", "$1snn");
                Console.Out.Write(text);
                Console.Out.Flush();
            }
            try
            {
                if (result.Action is ParseErrorAction parseError)
                {
                    // A command group alone (`snn`, `snn data`): the error and the group's help; otherwise the errors
                    // (with typo corrections) and where the help is.
                    var command = result.CommandResult.Command;
                    var group = command.Subcommands.Count > 0 && command.Action is null && result.UnmatchedTokens.Count == 0;
                    parseError.ShowHelp = group;
                    parseError.ShowTypoCorrections = true;
                    result.Invoke(configuration);
                    Flush();
                    if (!group) Console.Error.WriteLine($"Run '{CommandPath(command)} --help' for usage.");
                    return ExitCodes.Usage;   // System.CommandLine returns 1 for parse errors; scripts get 2 for bad usage.
                }
                return result.Invoke(configuration);
            }
            finally
            {
                Flush();
            }
        }

        /// <summary>"snn data verify" for the data verify command.</summary>
        public static string CommandPath(Command command)
        {
            var names = new List<string>();
            for (Symbol? s = command; s is Command c; s = s.Parents.FirstOrDefault())
                names.Insert(0, c is RootCommand ? "snn" : c.Name);
            return string.Join(' ', names);
        }

        public static RootCommand Create()
        {
            var root = new RootCommand(Description);
            // `snn --version` prints what `snn version` prints (the versions of snn, TorchSharp and the device).
            foreach (var option in root.Options.OfType<VersionOption>()) option.Action = new VersionAction();
            // Completion for dotnet-suggest: the [suggest] directive must stay enabled.
            if (!root.Directives.OfType<SuggestDirective>().Any()) root.Add(new SuggestDirective());

            var version = new Command("version", "Print the versions of snn, TorchSharp and the device it would use.");
            version.SetAction(_ => Version());
            root.Add(version);
            root.Add(TrainCommand.Create());
            root.Add(SweepCommand.Create());
            root.Add(BenchCommand.Create());
            root.Add(DataCommands.Create());
            root.Add(ReportCommand.Create());
            root.Add(StudyCommand.Create());

            // `snn help` (as before): the root help.
            var help = new Command("help", "Show this help.") { Hidden = true };
            help.SetAction(_ => Run(["--help"]));
            root.Add(help);
            return root;
        }

        public static int Version()
        {
            var info = RunInfo.Capture(Profiles.Current, seed: 0, System.Diagnostics.Stopwatch.StartNew(),
                torch.cuda.is_available() ? torch.CUDA : torch.CPU);
            Console.WriteLine($"snn {info.Snn}");
            Console.WriteLine($"TorchSharp {info.TorchSharp}, device {info.Device}, {info.Threads} threads");
            Console.WriteLine($"{info.DotNet} on {info.Os} ({info.Cpu})");
            return ExitCodes.Ok;
        }

        private sealed class VersionAction : SynchronousCommandLineAction
        {
            public override int Invoke(ParseResult parseResult)
            {
                if (parseResult.Tokens.Count > 1)
                {
                    Console.Error.WriteLine("snn: --version takes no other arguments; run 'snn --version' or 'snn version'.");
                    return ExitCodes.Usage;
                }
                return Version();
            }
        }
    }
}
