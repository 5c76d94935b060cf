using Snn.Data.Events;
using Snn.Data.Formats;

namespace Snn.Tests;

public sealed class EmulatorTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("snn-emu-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    // A bright 8×8 square in the middle of a black 28×28 image.
    private static float[] Square()
    {
        var img = new float[28 * 28];
        for (var y = 10; y < 18; y++) for (var x = 10; x < 18; x++) img[y * 28 + x] = 1f;
        return img;
    }

    [Fact]
    public void A_black_image_produces_no_events()
    {
        Assert.Equal(0, EventEmulator.Emulate(new float[28 * 28], 28, 28).Count);
    }

    [Fact]
    public void A_moving_edge_produces_on_events_ahead_and_off_events_behind()
    {
        var ev = EventEmulator.Emulate(Square(), 28, 28);
        Assert.True(ev.Count > 100, $"only {ev.Count} events");
        Assert.Equal(34, ev.Width);
        Assert.All(ev.T, t => Assert.InRange(t, 0, 300_000));
        Assert.True(ev.T.Zip(ev.T.Skip(1)).All(p => p.First <= p.Second), "events must be in time order");
        // Saccade 1 moves the image up 4 and right 2 px, saccade 2 down 4 and right 2, saccade 3 left 4:
        // ON events appear on the leading edge of the bright square, OFF events on its trailing edge.
        static (double X, double Y) Mean(EventStream e, bool on)
        {
            var idx = Enumerable.Range(0, e.Count).Where(i => e.Polarity[i] == on).ToList();
            return (idx.Average(i => e.X[i]), idx.Average(i => e.Y[i]));
        }
        var (s1, s2, s3) = (ev.TimeRange(0, 100_000), ev.TimeRange(100_000, 200_000), ev.TimeRange(200_000, 300_001));
        Assert.True(Mean(s1, true).Y < Mean(s1, false).Y - 3, $"saccade 1: ON {Mean(s1, true)}, OFF {Mean(s1, false)}");
        Assert.True(Mean(s1, true).X > Mean(s1, false).X, $"saccade 1: ON {Mean(s1, true)}, OFF {Mean(s1, false)}");
        Assert.True(Mean(s2, true).Y > Mean(s2, false).Y + 3, $"saccade 2: ON {Mean(s2, true)}, OFF {Mean(s2, false)}");
        Assert.True(Mean(s3, true).X < Mean(s3, false).X - 3, $"saccade 3: ON {Mean(s3, true)}, OFF {Mean(s3, false)}");
        // The image returns to its start, so each pixel ends near its start level: ON and OFF roughly balance.
        Assert.InRange((double)ev.OnCount / ev.Count, 0.35, 0.65);
    }

    [Fact]
    public void A_higher_threshold_gives_fewer_events_and_the_seed_makes_it_reproducible()
    {
        var low = EventEmulator.Emulate(Square(), 28, 28, new EmulatorOptions { Threshold = 0.2 }, seed: 1);
        var high = EventEmulator.Emulate(Square(), 28, 28, new EmulatorOptions { Threshold = 0.6 }, seed: 1);
        Assert.True(high.Count < low.Count / 2, $"{high.Count} vs {low.Count}");
        var again = EventEmulator.Emulate(Square(), 28, 28, new EmulatorOptions { Threshold = 0.2 }, seed: 1);
        Assert.Equal(low.T, again.T);
        Assert.Equal(low.X, again.X);
    }

    [Fact]
    public void Emulated_streams_round_trip_through_the_nmnist_file_format()
    {
        var ev = EventEmulator.Emulate(Square(), 28, 28);
        var path = Path.Combine(dir, "00001.bin");
        NMnist.Write(path, ev);
        var back = NMnist.Read(path);
        Assert.Equal(ev.X, back.X);
        Assert.Equal(ev.Y, back.Y);
        Assert.Equal(ev.T, back.T);
        Assert.Equal(ev.Polarity, back.Polarity);
    }

    [Fact]
    public void Bad_options_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EventEmulator.Emulate(Square(), 28, 28, new EmulatorOptions { Threshold = 0 }));
        Assert.Throws<ArgumentException>(() => EventEmulator.Emulate(Square(), 27, 28));
    }
}
