namespace Snn.Data.Events;

/// <summary>
/// Turns a still image into an event stream the way N-MNIST was recorded: the image moves under a
/// sensor along a triangular saccade path, and each pixel emits an ON (OFF) event whenever its log
/// intensity rises (falls) by the contrast threshold since its last event (the DVS pixel model of
/// Lichtsteiner et al. 2008). Event times are interpolated linearly between simulation steps.
/// </summary>
public static class EventEmulator
{
    /// <summary>Emulates one grey image given row-major as values in [0, 1].</summary>
    public static EventStream Emulate(ReadOnlySpan<float> image, int height, int width, EmulatorOptions? options = null, int seed = 0)
    {
        var o = (options ?? new EmulatorOptions()).Validated();
        if (image.Length != height * width) throw new ArgumentException($"Image has {image.Length} values, not {height}×{width}.", nameof(image));
        var s = o.SensorSize;
        var rng = new Random(seed);
        var theta = new double[s * s];
        for (var i = 0; i < theta.Length; i++) theta[i] = o.Threshold * (1 + o.ThresholdMismatch * Gaussian(rng));
        var img = image.ToArray();

        // Triangle around the centred position: bottom-left → top-middle → bottom-right → back.
        var a = o.SaccadeAmplitude;
        var (cx, cy) = ((s - width) / 2.0, (s - height) / 2.0);
        (double X, double Y)[] corners = [(cx - a / 2, cy + a / 2), (cx, cy - a / 2), (cx + a / 2, cy + a / 2)];

        var reference = Render(img, height, width, s, corners[0], o.LogEpsilon);
        var previous = (double[])reference.Clone();
        var events = new List<(long T, ushort X, ushort Y, bool P)>();
        var stepUs = o.SaccadeMicroseconds / o.StepsPerSaccade;
        var step = 0;
        var frame = new List<(double T, int Pixel, bool P)>();
        for (var sac = 0; sac < o.Saccades; sac++)
        {
            var from = corners[sac % 3];
            var to = corners[(sac + 1) % 3];
            for (var k = 1; k <= o.StepsPerSaccade; k++)
            {
                step++;
                var f = (double)k / o.StepsPerSaccade;
                var now = Render(img, height, width, s, (from.X + f * (to.X - from.X), from.Y + f * (to.Y - from.Y)), o.LogEpsilon);
                var t0 = (step - 1) * stepUs;
                frame.Clear();
                for (var p = 0; p < now.Length; p++)
                {
                    double before = previous[p], after = now[p];
                    while (after - reference[p] >= theta[p])
                    {
                        reference[p] += theta[p];
                        frame.Add((Cross(t0, stepUs, before, after, reference[p]), p, true));
                    }
                    while (reference[p] - after >= theta[p])
                    {
                        reference[p] -= theta[p];
                        frame.Add((Cross(t0, stepUs, before, after, reference[p]), p, false));
                    }
                }
                foreach (var e in frame.OrderBy(e => e.T).ThenBy(e => e.Pixel))
                    events.Add(((long)Math.Round(e.T), (ushort)(e.Pixel % s), (ushort)(e.Pixel / s), e.P));
                previous = now;
            }
        }
        return new EventStream(s, s, events.Select(e => e.X).ToArray(), events.Select(e => e.Y).ToArray(),
            events.Select(e => e.T).ToArray(), events.Select(e => e.P).ToArray());
    }

    /// <summary>The per-image seed used for image <paramref name="index"/> (HashCode is per-process random, so not used).</summary>
    public static int SampleSeed(int seed, int index) => unchecked(seed * 1_000_003 + index);

    // Time at which the linear ramp before→after crosses level (within the step).
    private static double Cross(double t0, double dt, double before, double after, double level)
    {
        var d = after - before;
        var f = Math.Abs(d) < 1e-12 ? 1 : Math.Clamp((level - before) / d, 0, 1);
        return t0 + f * dt;
    }

    // Log intensity of each sensor pixel with the image placed at (ox, oy) (bilinear, black outside).
    private static double[] Render(float[] img, int h, int w, int s, (double X, double Y) offset, double eps)
    {
        var log = new double[s * s];
        for (var v = 0; v < s; v++)
            for (var u = 0; u < s; u++)
            {
                double ix = u - offset.X, iy = v - offset.Y;
                int x0 = (int)Math.Floor(ix), y0 = (int)Math.Floor(iy);
                double fx = ix - x0, fy = iy - y0;
                var value = (1 - fx) * (1 - fy) * Pixel(img, h, w, x0, y0) + fx * (1 - fy) * Pixel(img, h, w, x0 + 1, y0)
                          + (1 - fx) * fy * Pixel(img, h, w, x0, y0 + 1) + fx * fy * Pixel(img, h, w, x0 + 1, y0 + 1);
                log[v * s + u] = value;
            }
        for (var i = 0; i < log.Length; i++) log[i] = Math.Log(log[i] + eps);
        return log;
    }

    private static double Pixel(float[] img, int h, int w, int x, int y) =>
        x < 0 || y < 0 || x >= w || y >= h ? 0 : img[y * w + x];

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
