namespace Snn.Charts; internal static class Placeholder {}
