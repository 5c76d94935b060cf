using System.Globalization;
using System.Text.Json;
using Snn.Data;
using Snn.Experiments;
using Snn.Networks;
using Snn.Training;
using Snn.Plans;

namespace Snn.Cli;

/// <summary>`snn train`: one run of the Trainer on Fashion-MNIST from the terminal, with a progress bar.</summary>
internal static class TrainCommand
{
    public const string Usage = """
        snn train [--spec 32C5-P2-64C5-P2-FC10] [--T 4] [--K T] [--B all] [--epochs 1] [--batch 64] [--lr 3e-3]
                  [--train-samples N] [--seed 0] [--data DIR] --out DIR [--resume]
          Trains on Fashion-MNIST with the plan (T, K, B) and writes DIR/config.json, DIR/epochs.csv,
          DIR/summary.json and DIR/checkpoint.bin (after every epoch). An existing DIR is never overwritten:
          pass --resume to continue its checkpoint. --data: the folder with the four Fashion-MNIST IDX files
          (default: $SNN_FASHION_MNIST_DIR, data/fashion-mnist, or Debian's /usr/share/datasets/fashion-mnist).
        """;

    public static int Run(string[] args)
    {
        try { return RunCore(args); }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or FormatException or TrainingDivergedException)
        {
            Console.Error.WriteLine($"snn train: {e.Message}");
            return 2;
        }
    }

    private static int RunCore(string[] args)
    {
        string spec = Zoo.CsnnSpec, k = "", b = "";
        int timeSteps = 4, epochs = 1, batch = 64, seed = 0, trainSamples = int.MaxValue;
        double lr = 3e-3;
        string? outDir = null, dataDir = null;
        var resume = false;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"Option {args[i]} needs a value.");
            int Int() { var name = args[i]; var v = Value(); return int.TryParse(v, out var n) && n > 0 ? n : throw new ArgumentException($"{name} must be a positive integer; got '{v}'."); }
            switch (args[i])
            {
                case "--spec": spec = Value(); break;
                case "--T": timeSteps = Int(); break;
                case "--K": k = Value(); break;
                case "--B": b = Value(); break;
                case "--epochs": epochs = Int(); break;
                case "--batch": batch = Int(); break;
                case "--lr": lr = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--train-samples": trainSamples = Int(); break;
                case "--seed": seed = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--out": outDir = Value(); break;
                case "--data": dataDir = Value(); break;
                case "--resume": resume = true; break;
                case "--help" or "-h": Console.WriteLine(Usage); return 0;
                default: throw new ArgumentException($"unknown option '{args[i]}'.\n{Usage}");
            }
        }
        if (outDir is null) throw new ArgumentException($"--out DIR is required (results are never written to a default place).\n{Usage}");
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any() && !resume)
            throw new IOException($"{outDir} already holds results; choose another --out or pass --resume to continue its checkpoint.");
        Directory.CreateDirectory(outDir);

        var plan = new TrainingPlan
        {
            TimeSteps = timeSteps,
            Truncation = k is "" or "T" ? null : int.Parse(k, CultureInfo.InvariantCulture),
            BlockSize = b is "" or "all" ? null : int.Parse(b, CultureInfo.InvariantCulture),
        }.Validated();
        Reproducibility.Seed(seed);
        var (fullTrain, test) = FashionMnist.Load(dataDir);
        var train = fullTrain.Subset(trainSamples, seed);
        var network = NetworkSpec.Build(spec, train.SampleShape);
        var options = new TrainerOptions
        {
            Epochs = epochs, BatchSize = batch, LearningRate = lr, Seed = seed,
            CheckpointPath = Path.Combine(outDir, "checkpoint.bin"), Resume = resume,
            ProgressInterval = TimeSpan.FromMilliseconds(250),
        };
        var trainer = new Trainer(network, plan, options);
        var config = Path.Combine(outDir, "config.json");
        if (!File.Exists(config)) File.WriteAllText(config, JsonSerializer.Serialize(new
        {
            spec, plan = plan.ToString(), timeSteps, truncation = plan.Truncation, blockSize = plan.BlockSize,
            epochs, batch, lr, seed, trainSamples = train.Count, testSamples = test.Count,
        }, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"{network.Spec}, {plan}, {train.Count} training images → {outDir}");

        var history = trainer.Fit(train, test, Report);
        using (var csv = new StreamWriter(Path.Combine(outDir, "epochs.csv")))
        {
            csv.WriteLine("epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,peak_step_bytes");
            foreach (var e in history.Epochs)
                csv.WriteLine(string.Join(',', e.Epoch, F(e.TrainLoss), F(e.TrainAccuracy), F(e.TestLoss), F(e.TestAccuracy), F(e.Seconds), e.PeakStepBytes?.ToString(CultureInfo.InvariantCulture) ?? ""));
        }
        var last = history.Last!;
        File.WriteAllText(Path.Combine(outDir, "summary.json"), JsonSerializer.Serialize(new
        {
            plan = plan.ToString(), testAccuracy = last.TestAccuracy, testLoss = last.TestLoss, seconds = history.TotalSeconds,
        }, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"test accuracy {last.TestAccuracy:P2} after {last.Epoch} epoch(s); results in {outDir}");
        return 0;
    }

    private static string F(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? "";

    /// <summary>A one-line bar redrawn in place (a new line per finished epoch).</summary>
    private static void Report(TrainingProgress p)
    {
        if (p.Kind == ProgressKind.Epoch)
        {
            Console.Error.Write("\r\u001b[K");
            Console.WriteLine(p);
            return;
        }
        const int width = 30;
        var filled = (int)Math.Round(width * (double)p.Batch / p.Batches);
        var eta = p.Batch > 0 ? TimeSpan.FromSeconds(p.Elapsed.TotalSeconds * (p.Batches - p.Batch) / p.Batch) : TimeSpan.Zero;
        Console.Error.Write($"\repoch {p.Epoch}/{p.Epochs} [{new string('#', filled)}{new string('.', width - filled)}] {p.Batch}/{p.Batches} loss {p.Loss:F4} acc {p.Accuracy:P1} eta {eta:mm\\:ss}\u001b[K");
    }
}
