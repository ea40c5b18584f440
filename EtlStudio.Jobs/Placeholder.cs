namespace EtlStudio.Jobs;
internal static class Placeholder { }
