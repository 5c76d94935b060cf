using Snn.Data;
using Snn.Data.Formats;
using Snn.Training;

namespace Snn.Tests;

public sealed class DataCatalogTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("snn-catalog-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Verify_reads_the_files_and_rejects_an_incomplete_dataset()
    {
        var record = new byte[3073];
        record[0] = 4;
        foreach (var f in new[] { "data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch" })
            File.WriteAllBytes(Path.Combine(dir, f + ".bin"), record);
        var e = Assert.Throws<DataFormatException>(() => DatasetRegistry.Find("cifar-10").Verify!(dir));
        Assert.Contains("50000", e.Message);
        File.WriteAllBytes(Path.Combine(dir, "test_batch.bin"), record[..3000]);
        Assert.Throws<DataFormatException>(() => DatasetRegistry.Find("cifar-10").Verify!(dir));
        Assert.Throws<ArgumentException>(() => DatasetRegistry.Find("imagenet"));
    }

    [Fact]
    public void Every_entry_names_an_existing_fetch_script()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !Directory.Exists(Path.Combine(root.FullName, "data-scripts"))) root = root.Parent;
        Assert.NotNull(root);
        Assert.All(DatasetRegistry.WithFiles, e => Assert.True(File.Exists(Path.Combine(root.FullName, e.Script!)), $"{e.Name}: {e.Script} missing"));
    }

    [Fact]
    public void The_registry_keeps_the_config_spellings_and_the_old_snn_data_name()
    {
        // The config names are part of every run id: renaming one changes results/ folders.
        Assert.Equal(["fashion-mnist", "mnist", "cifar10", "emulated-n-fashion-mnist", "n-mnist", "dvs-gesture", "cifar10-dvs",
            "cifar10-dvs-stand-in", "synthetic"],
            DatasetRegistry.Names);
        Assert.Same(DatasetRegistry.Cifar10, DatasetRegistry.Find("cifar-10"));
        Assert.Same(DatasetRegistry.Cifar10, DatasetRegistry.Find("CIFAR10"));
        Assert.Equal([2L, 32, 32], DatasetRegistry.DvsGesture.InputShape(32));
        Assert.Equal([2L, 128, 128], DatasetRegistry.Cifar10Dvs.InputShape());
        Assert.Equal([3L, 32, 32], DatasetRegistry.Cifar10.InputShape(64));
        Assert.Equal(11, DatasetRegistry.DvsGesture.Classes);
        Assert.DoesNotContain(DatasetRegistry.Synthetic, DatasetRegistry.WithFiles);
        Assert.Contains("Fashion-MNIST", DatasetRegistry.Cifar10DvsStandIn.NotPresent());
    }

    [Theory]
    [InlineData("cpu", "cpu")]
    [InlineData(" CUDA ", "cuda")]
    [InlineData("cuda:1", "cuda:1")]
    [InlineData("cuda:x", null)]
    [InlineData("cuda:-1", null)]
    [InlineData("cuda:", null)]
    [InlineData("tpu", null)]
    [InlineData(null, null)]
    public void One_device_parser_for_configs_and_bench(string? text, string? expected) => Assert.Equal(expected, DeviceName.Parse(text));
}
