using Snn.Data;
using Snn.Data.Formats;

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
        var e = Assert.Throws<DataFormatException>(() => DataCatalog.Find("cifar-10").Verify(dir));
        Assert.Contains("50000", e.Message);
        File.WriteAllBytes(Path.Combine(dir, "test_batch.bin"), record[..3000]);
        Assert.Throws<DataFormatException>(() => DataCatalog.Find("cifar-10").Verify(dir));
        Assert.Throws<ArgumentException>(() => DataCatalog.Find("imagenet"));
    }

    [Fact]
    public void Every_entry_names_an_existing_fetch_script()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !Directory.Exists(Path.Combine(root.FullName, "data-scripts"))) root = root.Parent;
        Assert.NotNull(root);
        Assert.All(DataCatalog.All, e => Assert.True(File.Exists(Path.Combine(root.FullName, e.Script)), $"{e.Name}: {e.Script} missing"));
    }
}
