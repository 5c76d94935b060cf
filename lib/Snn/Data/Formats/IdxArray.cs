using TorchSharp;
using static TorchSharp.torch;

namespace Snn.Data.Formats;

/// <summary>An IDX array: shape and values in host byte order (typed array matching <see cref="DataType"/>).</summary>
public sealed record IdxArray(IdxDataType DataType, int[] Shape, Array Values)
{
    public long Count => Values.LongLength;

    /// <summary>The values as a tensor of the matching dtype and shape (uint8 → ScalarType.Byte).</summary>
    public Tensor ToTensor()
    {
        var shape = Shape.Select(d => (long)d).ToArray();
        return Values switch
        {
            byte[] v => torch.tensor(v, shape),
            sbyte[] v => torch.tensor(v.Select(b => (short)b).ToArray(), shape).to_type(ScalarType.Int8),
            short[] v => torch.tensor(v, shape),
            int[] v => torch.tensor(v, shape),
            float[] v => torch.tensor(v, shape),
            double[] v => torch.tensor(v, shape),
            _ => throw new InvalidOperationException($"Unsupported IDX value array {Values.GetType().Name}."),
        };
    }
}
