using System.IO.Compression;
using Snn.Data;
using Snn.Data.Formats;

namespace Snn.Tests;

/// <summary>IDX files written byte by byte from the published format (yann.lecun.com/exdb/mnist).</summary>
public sealed class IdxReaderTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("snn-idx-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    // Two 3×2 images: magic 0x00000803, sizes 2, 3, 2 (big-endian), then 12 pixel bytes row-major.
    private static readonly byte[] ImagesFile =
    [
        0x00, 0x00, 0x08, 0x03,
        0x00, 0x00, 0x00, 0x02,
        0x00, 0x00, 0x00, 0x03,
        0x00, 0x00, 0x00, 0x02,
        0, 255, 10, 20, 30, 40,
        1, 2, 3, 4, 5, 128,
    ];

    // Two labels: magic 0x00000801, size 2, then the label bytes.
    private static readonly byte[] LabelsFile = [0x00, 0x00, 0x08, 0x01, 0x00, 0x00, 0x00, 0x02, 7, 3];

    private string Write(string name, byte[] bytes, bool gzip = false)
    {
        var path = Path.Combine(dir, name);
        if (gzip)
        {
            using var gz = new GZipStream(File.Create(path), CompressionLevel.Optimal);
            gz.Write(bytes);
        }
        else
        {
            File.WriteAllBytes(path, bytes);
        }
        return path;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_uint8_images_raw_and_gzip(bool gzip)
    {
        var array = Idx.Read(Write("images-idx3-ubyte" + (gzip ? ".gz" : ""), ImagesFile, gzip));
        Assert.Equal(IdxDataType.UInt8, array.DataType);
        Assert.Equal([2, 3, 2], array.Shape);
        Assert.Equal(ImagesFile[16..], (byte[])array.Values);
    }

    [Fact]
    public void Gzip_is_detected_by_content_not_by_name()
    {
        var array = Idx.Read(Write("labels-without-extension", LabelsFile, gzip: true));
        Assert.Equal(new byte[] { 7, 3 }, (byte[])array.Values);
    }

    [Fact]
    public void Reads_big_endian_int32_int16_and_float32()
    {
        var ints = Idx.Read(Write("i32", [0, 0, 0x0C, 1, 0, 0, 0, 2, 0x00, 0x00, 0x01, 0x02, 0xFF, 0xFF, 0xFF, 0xFE]));
        Assert.Equal(new[] { 258, -2 }, (int[])ints.Values);
        var shorts = Idx.Read(Write("i16", [0, 0, 0x0B, 1, 0, 0, 0, 1, 0x80, 0x01]));
        Assert.Equal(new short[] { -32767 }, (short[])shorts.Values);
        // 1.5f = 0x3FC00000, -2f = 0xC0000000
        var floats = Idx.Read(Write("f32", [0, 0, 0x0D, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0x3F, 0xC0, 0, 0, 0xC0, 0, 0, 0]));
        Assert.Equal([1, 2], floats.Shape);
        Assert.Equal(new[] { 1.5f, -2f }, (float[])floats.Values);
    }

    [Fact]
    public void Tensor_view_matches_values()
    {
        var array = Idx.Read(Write("images", ImagesFile));
        using var t = array.ToTensor();
        Assert.Equal(new long[] { 2, 3, 2 }, t.shape);
        Assert.Equal(128, t[1, 2, 1].item<byte>());
    }

    [Fact]
    public void Bad_magic_number_is_rejected_with_the_file_name()
    {
        var bytes = (byte[])ImagesFile.Clone();
        bytes[0] = 0x1F; bytes[1] = 0x00; // neither IDX nor gzip
        var path = Write("bad-magic", bytes);
        var e = Assert.Throws<DataFormatException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("magic", e.Message);
    }

    [Fact]
    public void Unknown_type_code_is_rejected()
    {
        var path = Write("bad-type", [0, 0, 0x07, 1, 0, 0, 0, 1, 9]);
        var e = Assert.Throws<DataFormatException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("0x07", e.Message);
    }

    [Theory]
    [InlineData(3, false)]   // inside the magic number
    [InlineData(10, false)]  // inside the dimension sizes
    [InlineData(27, false)]  // one pixel short
    [InlineData(27, true)]   // the same, gzip-compressed
    public void Truncated_file_is_rejected_with_the_file_name_and_offset(int length, bool gzip)
    {
        var path = Write("truncated" + (gzip ? ".gz" : ""), ImagesFile[..length], gzip);
        var e = Assert.Throws<DataFormatException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains($"offset {length}", e.Message);
    }

    [Fact]
    public void Trailing_bytes_are_rejected()
    {
        var path = Write("trailing", [.. LabelsFile, 0x00]);
        var e = Assert.Throws<DataFormatException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Dataset_scales_pixels_and_checks_label_count()
    {
        var images = Write("img", ImagesFile);
        using var ds = ImageDataset.FromIdx("tiny", images, Write("lab", LabelsFile), FashionMnist.ClassNames);
        Assert.Equal(new long[] { 2, 1, 3, 2 }, ds.Images.shape);
        Assert.Equal(1.0f, ds.Images[0, 0, 0, 1].item<float>());
        Assert.Equal(128 / 255f, ds.Images[1, 0, 2, 1].item<float>(), 6);
        Assert.Equal(new long[] { 7, 3 }, ds.Labels.data<long>().ToArray());

        var threeLabels = Write("lab3", [0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3]);
        var e = Assert.Throws<DataFormatException>(() => ImageDataset.FromIdx("tiny", images, threeLabels, FashionMnist.ClassNames));
        Assert.Contains(threeLabels, e.Message);
        Assert.Contains("3 labels for 2 images", e.Message);

        var badLabel = Write("lab-bad", [0, 0, 8, 1, 0, 0, 0, 2, 1, 10]);
        e = Assert.Throws<DataFormatException>(() => ImageDataset.FromIdx("tiny", images, badLabel, FashionMnist.ClassNames));
        Assert.Contains("label 10", e.Message);
    }

    [Fact]
    public void Writer_round_trips_through_reader()
    {
        var path = Path.Combine(dir, "roundtrip.gz");
        Idx.Write(path, IdxDataType.Float64, [3], new[] { 0.25, -1e300, double.Epsilon });
        Assert.Equal(new[] { 0.25, -1e300, double.Epsilon }, (double[])Idx.Read(path).Values);
    }

    // gzip written byte by byte: 10-byte header, one stored DEFLATE block, CRC-32 (bit by bit) and ISIZE.
    private static byte[] GzipStored(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        crc = ~crc;
        int n = data.Length;
        return
        [
            0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF,
            1, (byte)n, (byte)(n >> 8), (byte)~n, (byte)(~n >> 8), .. data,
            (byte)crc, (byte)(crc >> 8), (byte)(crc >> 16), (byte)(crc >> 24), (byte)n, (byte)(n >> 8), 0, 0,
        ];
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Lying_header_is_rejected_before_allocating_what_it_announces(bool gzip)
    {
        // 32768 × 32768 uint8 images (1 GiB) announced, 3 bytes present.
        byte[] lying = [0, 0, 0x08, 2, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x80, 0x00, 1, 2, 3];
        var path = Write("lying" + (gzip ? ".gz" : ""), lying, gzip);
        Idx.Read(Write("warm-up", LabelsFile)); // JIT and type loading out of the measurement
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => Idx.Read(path));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated at offset 15", e.Message);
        Assert.Contains("1073741824 bytes from offset 12", e.Message);
        Assert.True(allocated < 8 << 20, $"reading a 15-byte file allocated {allocated} bytes");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Header_announcing_more_than_an_array_holds_is_truncation_when_the_data_is_absent(bool gzip)
    {
        // 2 × 2^30 uint8 = 2^31 bytes: more than Array.MaxLength, but first of all not in the file.
        var path = Write("huge" + (gzip ? ".gz" : ""), [0, 0, 0x08, 2, 0, 0, 0, 2, 0x40, 0, 0, 0, 9, 9, 9], gzip);
        var e = Assert.Throws<DataFormatException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated at offset 15", e.Message);
    }

    [Theory]
    [InlineData(0x80, 0x00, 0x00, 0x00, "2147483648")]
    [InlineData(0xFF, 0xFF, 0xFF, 0xFF, "4294967295")]
    public void Dimensions_of_2_pow_31_and_more_are_reported_as_unsigned_sizes(int b0, int b1, int b2, int b3, string size)
    {
        var path = Write("dim", [0, 0, 0x08, 2, 0, 0, 0, 1, (byte)b0, (byte)b1, (byte)b2, (byte)b3]);
        var e = Assert.Throws<DataFormatException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains($"dimension 1 is {size} (at offset 8), larger than 2147483647", e.Message);
        Assert.DoesNotContain("negative", e.Message);
    }

    [Fact]
    public void Byte_count_overflowing_64_bits_names_the_file_and_the_dimensions()
    {
        byte[] max = [0x7F, 0xFF, 0xFF, 0xFF];
        var path = Write("overflow", [0, 0, 0x0E, 3, .. max, .. max, .. max, 1, 2, 3]);
        var e = Assert.Throws<DataFormatException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("[2147483647, 2147483647, 2147483647] of Float64", e.Message);
        Assert.Contains("2^63", e.Message);
    }

    [Fact]
    public void Gzip_written_byte_by_byte_is_read_and_its_trailer_checked()
    {
        var path = Write("labels.gz", GzipStored(LabelsFile));
        Assert.Equal(new byte[] { 7, 3 }, (byte[])Idx.Read(path).Values);

        var badCrc = GzipStored(LabelsFile);
        badCrc[^8] ^= 0xFF;
        path = Write("bad-crc.gz", badCrc);
        var e = Assert.Throws<DataFormatException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("gzip trailer CRC32 mismatch: expected", e.Message);

        var badSize = GzipStored(LabelsFile);
        badSize[^4] ^= 0x01;
        e = Assert.Throws<DataFormatException>(() => Idx.Read(Write("bad-size.gz", badSize)));
        Assert.Contains("gzip trailer ISIZE mismatch", e.Message);

        var badMethod = GzipStored(LabelsFile);
        badMethod[2] = 9;
        e = Assert.Throws<DataFormatException>(() => Idx.Read(Write("bad-method.gz", badMethod)));
        Assert.Contains("corrupt gzip header at offset 2", e.Message);
        Assert.DoesNotContain("unsupported compression method", e.Message);

        var whole = GzipStored(LabelsFile);
        e = Assert.Throws<DataFormatException>(() => Idx.Read(Write("cut.gz", whole[..^5])));
        Assert.Contains("truncated gzip file", e.Message);
    }

    [Fact]
    public void A_corrupt_gzip_trailer_is_reported_even_when_the_idx_content_is_also_wrong()
    {
        var gz = GzipStored([.. LabelsFile, 0x00]); // one trailing byte: an IDX error...
        gz[^8] ^= 0x01;                             // ...inside a gzip stream whose CRC is wrong
        var e = Assert.Throws<DataFormatException>(() => Idx.Read(Write("both.gz", gz)));
        Assert.Contains("gzip trailer CRC32 mismatch", e.Message);
        e = Assert.Throws<DataFormatException>(() => Idx.Read(Write("idx-only.gz", GzipStored([.. LabelsFile, 0x00]))));
        Assert.Contains("unexpected data after offset 10", e.Message);
    }

    [Fact]
    public void Concatenated_gzip_members_are_read_in_full()
    {
        var path = Write("two-members.gz", [.. GzipStored(ImagesFile[..10]), .. GzipStored(ImagesFile[10..])]);
        var array = Idx.Read(path);
        Assert.Equal([2, 3, 2], array.Shape);
        Assert.Equal(ImagesFile[16..], (byte[])array.Values);
    }
}
