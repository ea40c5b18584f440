namespace EtlStudio.Jobs.Monitor; public sealed class JobMonitorService { }
