using System.Reflection;
using System.Reflection.Emit;
using Snn.Data;
using Snn.Networks;
using Snn.Optimization;
using Snn.Plans;
using Snn.Training;
using TorchSharp;

namespace Snn.Tests;

/// <summary>
/// No host sync per window or block (docs/gpu.md): the training and evaluation loops read tensors back only through
/// <see cref="HostReads"/> (checked on their IL), and a batch reads once whatever its windows and blocks (counted).
/// </summary>
public sealed class HostSyncTests
{
    /// <summary>T = 6: one window and block, 6 windows, 3 windows × 3 blocks, 6 windows × 3 blocks with per-window updates.</summary>
    public static TheoryData<string> Plans => ["bptt", "k1", "k2b1", "k1b1"];

    private static TrainingPlan Plan(string name) => name switch
    {
        "bptt" => TrainingPlan.Bptt(6),
        "k1" => TrainingPlan.Truncated(6, 1),
        "k2b1" => TrainingPlan.TruncatedLocal(6, 2, 1),
        _ => TrainingPlan.TruncatedLocal(6, 1, 1),
    };

    [Theory]
    [MemberData(nameof(Plans))]
    public void A_batch_reads_the_device_once_whatever_its_windows_and_blocks(string name)
    {
        var plan = Plan(name);
        torch.manual_seed(1);
        using var train = TrainerTests.Bars(48, seed: 2);
        using var test = TrainerTests.Bars(20, seed: 3);
        var network = NetworkSpec.Build("FC16-FC16-FC2", [1, 8, 8]);
        var options = new TrainerOptions { BatchSize = 16, EvalBatchSize = 8, Epochs = 1 };
        var trainer = new Trainer(network, plan, options);
        Assert.True(plan.WindowCount * trainer.Blocks.Count is 1 or >= 6);   // the plans differ in what they could sync on

        using var scope = torch.NewDisposeScope();
        var (input, labels) = train.Encoded().Batches(16, 6).First();
        var before = HostReads.Count;
        trainer.TrainStep(input, labels);
        Assert.Equal(1, HostReads.Count - before);
        before = HostReads.Count;
        trainer.ComputeGradients(input, labels);
        Assert.Equal(1, HostReads.Count - before);

        // Fit: one read per training batch and per evaluation batch.
        IBatchSource trainSource = train.Encoded(), testSource = test.Encoded();
        before = HostReads.Count;
        trainer.Fit(trainSource, testSource);
        Assert.Equal(trainSource.BatchCount(16) + testSource.BatchCount(8), HostReads.Count - before);
    }

    /// <summary>The types that run per window or block, and the loops around them.</summary>
    private static readonly Type[] HotPath = [typeof(PlanStep), typeof(WindowRecompute), typeof(Trainer), typeof(LocalHead), typeof(LocalHeads), typeof(LearningRateSchedule), typeof(EpochAccumulator), typeof(ChunkedAdam)];

    [Fact]
    public void The_training_loops_read_tensors_back_only_through_HostReads()
    {
        var reads = HotPath.SelectMany(t => HostReadingCalls(t)).ToList();
        Assert.True(reads.Count == 0, "host reads outside HostReads: " + string.Join("; ", reads));
        // The scan sees what it looks for: HostReads itself reads the tensor back.
        Assert.Contains(HostReadingCalls(typeof(HostReads)), c => c.Contains("data"));
    }

    /// <summary>Tensor members that copy values to the host (a device sync on a GPU).</summary>
    private static readonly HashSet<string> Reading =
        ["item", "data", "cpu", "ToDouble", "ToSingle", "ToHalf", "ToInt16", "ToInt32", "ToInt64", "ToBoolean", "ToScalar", "ToArray", "numpy", "bytes", "get_bytes", "equal", "allclose", "ToString", "str", "print"];

    /// <summary>Calls to host-reading tensor members in every method, constructor, lambda and local function of <paramref name="type"/>.</summary>
    private static IEnumerable<string> HostReadingCalls(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            foreach (var called in Calls(method))
            {
                var owner = called.DeclaringType;
                var tensor = owner is not null && (typeof(torch.Tensor).IsAssignableFrom(owner) || owner.Namespace == "TorchSharp.Utils");
                if (tensor && Reading.Contains(called.Name)) yield return $"{type.Name}.{method.Name} calls {owner!.Name}.{called.Name}";
            }
        foreach (var nested in type.GetNestedTypes(all))   // lambdas, closures, iterators
            foreach (var call in HostReadingCalls(nested)) yield return call;
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>The methods <paramref name="method"/>'s IL calls (call, callvirt, newobj, ldftn: the operands that name a method).</summary>
    private static IEnumerable<MethodBase> Calls(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        for (var i = 0; i < il.Length;)
        {
            var op = il[i] == 0xFE ? OpCodesByValue[unchecked((short)(0xFE00 | il[i + 1]))] : OpCodesByValue[il[i]];
            i += op.Size;
            if (op.OperandType == OperandType.InlineMethod)
            {
                var token = BitConverter.ToInt32(il, i);
                var typeArguments = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
                var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
                if (method.Module.ResolveMethod(token, typeArguments, methodArguments) is { } called) yield return called;
            }
            i += op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
        }
    }
}
