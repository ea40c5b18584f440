using System.Text.RegularExpressions;
using EtlStudio.Jobs.Hosting;
using EtlStudio.Web.Hosting;
using EtlStudio.Web.Metrics;
using k8s;
using k8s.Models;

namespace EtlStudio.Tests.Deploy;

/// <summary>
/// What every rendering of deploy/k8s must satisfy, as a list of problems (empty = fine), so that the tests can show
/// each rule failing on a manifest broken on purpose. The facts it checks against come from the repository itself:
/// the Dockerfile, the Secrets described in secret.example.yaml, the paths the app maps.
/// </summary>
public sealed partial class ManifestRules(DockerfileFacts dockerfile, IReadOnlyList<V1Secret> describedSecrets, IReadOnlySet<string> healthPaths)
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";

    public static ManifestRules FromRepository() => new(
        DockerfileFacts.Load(DeployPaths.Dockerfile),
        ManifestLoader.LoadFile(DeployPaths.SecretExample).Cast<V1Secret>().ToList(),
        HealthPathsMappedByTheApp());

    /// <summary>The paths EtlStudio.Web/Health maps: a probe on any other path would fail on a healthy pod.</summary>
    public static IReadOnlySet<string> HealthPathsMappedByTheApp()
    {
        var source = File.ReadAllText(Path.Combine(Infrastructure.RepositoryPaths.WebProject, "Health", "HealthEndpoints.cs"));
        return MapHealthChecksPattern().Matches(source).Select(m => m.Groups[1].Value).ToHashSet();
    }

    public List<string> Check(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects)
    {
        var problems = new List<string>();
        var deployments = objects.OfType<V1Deployment>().ToList();
        var web = deployments.Where(d => Component(d) == "web").ToList();
        var workers = deployments.Where(d => Component(d) == "worker").ToList();
        var jobs = objects.OfType<V1Job>().ToList();
        if (web.Count != 1) problems.Add($"expected one web Deployment (component web), found {web.Count}");
        if (workers.Count != 1) problems.Add($"expected one worker Deployment (component worker), found {workers.Count}");
        if (jobs.Count(j => Component(j) == "migrate") != 1) problems.Add("expected one migration Job (component migrate)");

        foreach (var secret in objects.OfType<V1Secret>())
            problems.Add($"Secret/{secret.Metadata.Name} is part of the manifests: its values would be in the repository; describe it in secret.example.yaml instead");
        foreach (var map in objects.OfType<V1ConfigMap>())
            foreach (var (key, value) in map.Data ?? new Dictionary<string, string>())
                if (LooksSecret(key, value)) problems.Add($"ConfigMap/{map.Metadata.Name}: {key} looks like a secret; take it from a Secret");

        var images = new HashSet<string>();
        foreach (var (owner, pod) in Workloads(objects))
        {
            CheckPodSecurity(owner, pod, problems);
            foreach (var c in KustomizeRenderer.AllContainers(pod))
            {
                var where = $"{owner} container {c.Name}";
                images.Add(c.Image);
                CheckResources(where, c, problems);
                CheckContainerSecurity(where, c, pod, problems);
                CheckEnvironment(where, c, objects, problems);
                if (c.Command is { Count: > 0 } && !c.Command.SequenceEqual(dockerfile.Entrypoint))
                    problems.Add($"{where}: command {string.Join(' ', c.Command)} replaces the image's ENTRYPOINT");
            }
            if (pod.ServiceAccountName is { } sa && !objects.OfType<V1ServiceAccount>().Any(s => s.Metadata.Name == sa))
                problems.Add($"{owner}: service account {sa} is not in the manifests");
        }
        if (images.Count > 1) problems.Add($"one image for every node and the Job, found {string.Join(", ", images)}");

        foreach (var d in deployments) CheckDeployment(d, objects, problems);
        foreach (var d in web) CheckNodeMode(d, mustBeWorkerOnly: false, objects, problems);
        foreach (var d in workers)
        {
            CheckNodeMode(d, mustBeWorkerOnly: true, objects, problems);
            foreach (var c in d.Spec.Template.Spec.Containers)
                if (c.Ports?.Any(p => p.Name != "http") == true)
                    problems.Add($"Deployment/{d.Metadata.Name} container {c.Name}: a worker-only node listens on its HTTP port only");
        }
        foreach (var j in jobs) CheckMigrationJob(j, objects, problems);
        foreach (var d in deployments.Where(d => Component(d) is "web" or "worker"))
            CheckConnectionString($"Deployment/{d.Metadata.Name}", d.Spec.Template.Spec, "runtime-connection-string", objects, problems);

        CheckServices(objects, deployments, problems);
        CheckIngresses(objects, problems);
        CheckDisruptionBudgets(objects, deployments, problems);
        CheckDatabaseReference(objects, problems);
        CheckSecretReferences(objects, problems);
        return problems;
    }

    private static string? Component(IKubernetesObject<V1ObjectMeta> o) =>
        o.Metadata.Labels?.TryGetValue("app.kubernetes.io/component", out var c) == true ? c : null;

    private static IEnumerable<(string Owner, V1PodSpec Pod)> Workloads(IEnumerable<IKubernetesObject<V1ObjectMeta>> objects) =>
        objects.Select(o => o switch
        {
            V1Deployment d => ($"Deployment/{d.Metadata.Name}", d.Spec.Template.Spec),
            V1Job j => ($"Job/{j.Metadata.Name}", j.Spec.Template.Spec),
            _ => ((string, V1PodSpec)?)null,
        }).OfType<(string, V1PodSpec)>();

    private static void CheckResources(string where, V1Container c, List<string> problems)
    {
        foreach (var resource in new[] { "cpu", "memory" })
        {
            ResourceQuantity? request = null, limit = null;
            if (c.Resources?.Requests?.TryGetValue(resource, out request) != true) problems.Add($"{where}: no {resource} request");
            if (c.Resources?.Limits?.TryGetValue(resource, out limit) != true) problems.Add($"{where}: no {resource} limit");
            if (request is not null && limit is not null && request.ToDecimal() > limit.ToDecimal())
                problems.Add($"{where}: {resource} request {request} above its limit {limit}");
        }
    }

    private void CheckPodSecurity(string owner, V1PodSpec pod, List<string> problems)
    {
        if (pod.SecurityContext?.RunAsNonRoot != true) problems.Add($"{owner}: pod securityContext.runAsNonRoot is not true");
        // The Dockerfile's USER: the files of /app belong to it, and a numeric UID is what runAsNonRoot can verify.
        if (dockerfile.Uid is not { } uid) problems.Add("Dockerfile: USER is not numeric, so runAsNonRoot cannot verify it");
        else if (pod.SecurityContext?.RunAsUser != uid) problems.Add($"{owner}: runAsUser {pod.SecurityContext?.RunAsUser} is not the image's user {uid}");
        if (pod.SecurityContext?.RunAsUser == 0) problems.Add($"{owner}: runs as root");
        if (pod.SecurityContext?.SeccompProfile?.Type != "RuntimeDefault") problems.Add($"{owner}: seccomp profile is not RuntimeDefault");
        if (pod.AutomountServiceAccountToken != false) problems.Add($"{owner}: mounts a service account token it never uses");
    }

    private static void CheckContainerSecurity(string where, V1Container c, V1PodSpec pod, List<string> problems)
    {
        var s = c.SecurityContext;
        if (s?.ReadOnlyRootFilesystem != true) problems.Add($"{where}: readOnlyRootFilesystem is not true");
        if (s?.AllowPrivilegeEscalation != false) problems.Add($"{where}: allowPrivilegeEscalation is not false");
        if (s?.Capabilities?.Drop?.Contains("ALL") != true) problems.Add($"{where}: does not drop ALL capabilities");
        if (s?.Capabilities?.Add is { Count: > 0 }) problems.Add($"{where}: adds capabilities");
        if (s?.RunAsUser == 0 || s?.RunAsNonRoot == false || s?.Privileged == true) problems.Add($"{where}: may run as root or privileged");
        // With a read-only root the only writable place is a volume: .NET's diagnostics socket and buffered bodies go to /tmp.
        var tmp = c.VolumeMounts?.FirstOrDefault(m => m.MountPath == "/tmp");
        if (tmp is null || pod.Volumes?.FirstOrDefault(v => v.Name == tmp.Name)?.EmptyDir is null)
            problems.Add($"{where}: no emptyDir at /tmp for the read-only root");
    }

    private static void CheckEnvironment(string where, V1Container c, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects, List<string> problems)
    {
        foreach (var e in c.Env ?? [])
            if (e.Value is not null && LooksSecret(e.Name, e.Value))
                problems.Add($"{where}: {e.Name} holds a secret-looking value inline; take it from a Secret");
        foreach (var from in c.EnvFrom ?? [])
        {
            if (from.SecretRef is not null) problems.Add($"{where}: envFrom a whole Secret hides which keys it needs; name them with secretKeyRef");
            if (from.ConfigMapRef is { } cm && !objects.OfType<V1ConfigMap>().Any(m => m.Metadata.Name == cm.Name))
                problems.Add($"{where}: ConfigMap {cm.Name} is not in the manifests");
        }
    }

    /// <summary>What the process sees: the ConfigMaps of envFrom first, then env, which wins (as in Kubernetes).</summary>
    public static Dictionary<string, V1EnvVar> EffectiveEnvironment(V1Container c, IEnumerable<IKubernetesObject<V1ObjectMeta>> objects)
    {
        var env = new Dictionary<string, V1EnvVar>();
        foreach (var from in c.EnvFrom ?? [])
            if (objects.OfType<V1ConfigMap>().FirstOrDefault(m => m.Metadata.Name == from.ConfigMapRef?.Name) is { Data: { } data })
                foreach (var (k, v) in data) env[(from.Prefix ?? "") + k] = new V1EnvVar { Name = k, Value = v };
        foreach (var e in c.Env ?? []) env[e.Name] = e;
        return env;
    }

    private void CheckDeployment(V1Deployment d, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects, List<string> problems)
    {
        var owner = $"Deployment/{d.Metadata.Name}";
        var template = d.Spec.Template;
        if (!Matches(d.Spec.Selector, template.Metadata.Labels)) problems.Add($"{owner}: its selector does not match its pod template");
        foreach (var c in template.Spec.Containers)
        {
            var where = $"{owner} container {c.Name}";
            var env = EffectiveEnvironment(c, objects);
            var httpPort = int.Parse(env.TryGetValue("HTTP_PORT", out var h) ? h.Value : dockerfile.Environment["HTTP_PORT"]);
            var grpcPort = int.Parse(env.TryGetValue("GRPC_PORT", out var g) ? g.Value : dockerfile.Environment["GRPC_PORT"]);
            foreach (var p in c.Ports ?? [])
            {
                if (!dockerfile.ExposedPorts.Contains(p.ContainerPort)) problems.Add($"{where}: port {p.ContainerPort} is not EXPOSEd by the Dockerfile");
                var expected = p.Name switch { "http" => httpPort, "grpc" => grpcPort, _ => -1 };
                if (expected != p.ContainerPort) problems.Add($"{where}: port {p.Name}={p.ContainerPort}, but the app listens for it on {expected}");
            }
            if (c.Ports?.Any(p => p.Name == "http") != true) problems.Add($"{where}: no port named http (probes and /metrics)");
            CheckProbe(where, "startup", c.StartupProbe, LivePath, c, problems);
            CheckProbe(where, "liveness", c.LivenessProbe, LivePath, c, problems);
            CheckProbe(where, "readiness", c.ReadinessProbe, ReadyPath, c, problems);

            var annotations = template.Metadata.Annotations ?? new Dictionary<string, string>();
            if (Get(annotations, "prometheus.io/scrape") != "true"
                || Get(annotations, "prometheus.io/path") != MetricsEndpoint.Path
                || Get(annotations, "prometheus.io/port") != httpPort.ToString())
                problems.Add($"{owner}: no Prometheus scrape annotations for {MetricsEndpoint.Path} on port {httpPort}");
        }
    }

    // Liveness must not depend on the database: a database outage would otherwise restart every pod in a loop.
    private void CheckProbe(string where, string kind, V1Probe? probe, string expectedPath, V1Container c, List<string> problems)
    {
        if (probe?.HttpGet is not { } get) { problems.Add($"{where}: no {kind} probe"); return; }
        if (get.Path != expectedPath) problems.Add($"{where}: {kind} probe on {get.Path}, expected {expectedPath}");
        if (!healthPaths.Contains(get.Path)) problems.Add($"{where}: {kind} probe on {get.Path}, which the app does not map");
        if (c.Ports?.Any(p => p.Name == get.Port.Value || p.ContainerPort.ToString() == get.Port.Value) != true)
            problems.Add($"{where}: {kind} probe on port {get.Port.Value}, which the container does not declare");
    }

    private static void CheckNodeMode(V1Deployment d, bool mustBeWorkerOnly, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects, List<string> problems)
    {
        foreach (var c in d.Spec.Template.Spec.Containers)
        {
            var mode = EffectiveEnvironment(c, objects).GetValueOrDefault("Workers__Mode")?.Value ?? NodeRole.All.ToString();
            if (!Enum.TryParse<NodeRole>(mode, out var role)) problems.Add($"Deployment/{d.Metadata.Name}: Workers__Mode {mode} is no NodeRole");
            else if (mustBeWorkerOnly != (role == NodeRole.WorkerOnly))
                problems.Add($"Deployment/{d.Metadata.Name}: Workers__Mode is {mode}, expected {(mustBeWorkerOnly ? "WorkerOnly" : "a web mode")}");
        }
    }

    private void CheckMigrationJob(V1Job job, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects, List<string> problems)
    {
        var owner = $"Job/{job.Metadata.Name}";
        var pod = job.Spec.Template.Spec;
        if (pod.RestartPolicy is not ("Never" or "OnFailure")) problems.Add($"{owner}: restartPolicy must be Never or OnFailure");
        if (job.Spec.BackoffLimit is null) problems.Add($"{owner}: no backoffLimit");
        foreach (var c in pod.Containers)
            if (c.Args is not [MigrateCommand.Name]) problems.Add($"{owner} container {c.Name}: args are not [\"{MigrateCommand.Name}\"] after the image's ENTRYPOINT");
        CheckConnectionString(owner, pod, "owner-connection-string", objects, problems);
    }

    private static void CheckConnectionString(string owner, V1PodSpec pod, string expectedKey, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects, List<string> problems)
    {
        foreach (var c in pod.Containers)
        {
            var cs = EffectiveEnvironment(c, objects).GetValueOrDefault("ConnectionStrings__Default");
            if (cs?.ValueFrom?.SecretKeyRef?.Key != expectedKey)
                problems.Add($"{owner} container {c.Name}: ConnectionStrings__Default must come from the Secret key {expectedKey}");
        }
    }

    private static void CheckServices(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects, List<V1Deployment> deployments, List<string> problems)
    {
        foreach (var s in objects.OfType<V1Service>().Where(s => s.Spec.Type != "ExternalName"))
        {
            var owner = $"Service/{s.Metadata.Name}";
            var selected = deployments.Where(d => Matches(s.Spec.Selector, d.Spec.Template.Metadata.Labels)).ToList();
            if (selected.Count != 1) { problems.Add($"{owner}: selects {selected.Count} Deployments, expected one"); continue; }
            var ports = selected[0].Spec.Template.Spec.Containers.SelectMany(c => c.Ports ?? []).ToList();
            foreach (var p in s.Spec.Ports)
            {
                var target = ports.FirstOrDefault(cp => cp.Name == p.TargetPort?.Value || cp.ContainerPort.ToString() == p.TargetPort?.Value);
                if (target is null) { problems.Add($"{owner}: port {p.Name} targets {p.TargetPort?.Value}, which the pods do not declare"); continue; }
                // gRPC's port speaks HTTP/2 only, without TLS: a proxy that tries HTTP/1.1 gets nothing back.
                var expected = target.Name == "grpc" ? "kubernetes.io/h2c" : "http";
                if (p.AppProtocol != expected) problems.Add($"{owner}: port {p.Name} has appProtocol {p.AppProtocol ?? "(none)"}, expected {expected}");
            }
        }
    }

    private static void CheckIngresses(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects, List<string> problems)
    {
        var services = objects.OfType<V1Service>().ToList();
        var ingresses = objects.OfType<V1Ingress>().ToList();
        foreach (var i in ingresses)
        {
            var owner = $"Ingress/{i.Metadata.Name}";
            var annotations = i.Metadata.Annotations ?? new Dictionary<string, string>();
            foreach (var path in i.Spec.Rules.SelectMany(r => r.Http.Paths))
            {
                var backend = path.Backend.Service;
                var service = services.FirstOrDefault(s => s.Metadata.Name == backend.Name);
                var port = service?.Spec.Ports.FirstOrDefault(p => p.Name == backend.Port.Name || p.Port == backend.Port.Number);
                if (port is null) { problems.Add($"{owner}: {path.Path} goes to {backend.Name}:{backend.Port.Name ?? backend.Port.Number?.ToString()}, which does not exist"); continue; }
                if (path.Path != "/") continue;
                if (port.AppProtocol == "kubernetes.io/h2c" && Get(annotations, "nginx.ingress.kubernetes.io/backend-protocol") != "GRPC")
                    problems.Add($"{owner}: routes to gRPC without nginx.ingress.kubernetes.io/backend-protocol: GRPC");
                if (port.AppProtocol == "kubernetes.io/h2c" && MegabytesOf(Get(annotations, "nginx.ingress.kubernetes.io/proxy-body-size")) < GrpcMessageMegabytes)
                    problems.Add($"{owner}: proxy-body-size below the app's {GrpcMessageMegabytes} MB gRPC messages (nginx answers 413 first)");
                // Blazor Server keeps each circuit in one pod's memory: the browser must come back to that pod.
                if (port.AppProtocol == "http" && Get(annotations, "nginx.ingress.kubernetes.io/affinity") != "cookie")
                    problems.Add($"{owner}: routes to the studio without cookie affinity (sticky sessions for Blazor circuits)");
            }
            foreach (var tls in i.Spec.Tls ?? [])
                if (tls.Hosts?.Except(i.Spec.Rules.Select(r => r.Host)).Any() == true) problems.Add($"{owner}: TLS names hosts it does not route");
        }
        // The probes and /metrics are anonymous: they are for the kubelet and Prometheus inside the cluster only.
        foreach (var host in ingresses.Where(i => i.Spec.Rules.Any(r => r.Http.Paths.Any(p => p.Path == "/"))
                     && (i.Metadata.Annotations?.ContainsKey("nginx.ingress.kubernetes.io/affinity") ?? false)).SelectMany(i => i.Spec.Rules.Select(r => r.Host)))
            foreach (var internalPath in new[] { MetricsEndpoint.Path, "/health" })
                if (!ingresses.Any(i => Get(i.Metadata.Annotations, "nginx.ingress.kubernetes.io/denylist-source-range") == "0.0.0.0/0,::/0"
                        && i.Spec.Rules.Any(r => r.Host == host && r.Http.Paths.Any(p => p.Path == internalPath))))
                    problems.Add($"Ingress for {host}: {internalPath} is served to the internet; deny it at the ingress");
    }

    private static void CheckDisruptionBudgets(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects, List<V1Deployment> deployments, List<string> problems)
    {
        var budgets = objects.OfType<V1PodDisruptionBudget>().ToList();
        foreach (var d in deployments)
        {
            var covering = budgets.Where(b => Matches(b.Spec.Selector, d.Spec.Template.Metadata.Labels)).ToList();
            if (covering.Count != 1) problems.Add($"Deployment/{d.Metadata.Name}: covered by {covering.Count} PodDisruptionBudgets, expected one");
            // minAvailable equal to the replicas would block every node drain; maxUnavailable holds at any scale.
            else if (covering[0].Spec.MaxUnavailable?.Value is null or "0")
                problems.Add($"PodDisruptionBudget/{covering[0].Metadata.Name}: set maxUnavailable (at least 1), so drains proceed at any replica count");
        }
    }

    private void CheckDatabaseReference(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects, List<string> problems)
    {
        var external = objects.OfType<V1Service>().Where(s => s.Spec.Type == "ExternalName").ToList();
        if (external.Count != 1) { problems.Add($"expected one ExternalName Service for PostgreSQL, found {external.Count}"); return; }
        foreach (var secret in describedSecrets)
            foreach (var (key, value) in secret.StringData ?? new Dictionary<string, string>())
                if (key.EndsWith("connection-string", StringComparison.Ordinal)
                    && !value.Contains($"Host={external[0].Metadata.Name};", StringComparison.Ordinal))
                    problems.Add($"secret.example.yaml {secret.Metadata.Name}/{key}: Host is not the Service {external[0].Metadata.Name}");
        foreach (var (owner, pod) in Workloads(objects))
            if (pod.Containers.Any(c => c.Image.Contains("postgres", StringComparison.OrdinalIgnoreCase)))
                problems.Add($"{owner}: PostgreSQL is deployed here; it is referenced as an external service");
    }

    private void CheckSecretReferences(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects, List<string> problems)
    {
        var references = Workloads(objects).SelectMany(w => w.Pod.Containers.SelectMany(c => c.Env ?? [])
                .Select(e => e.ValueFrom?.SecretKeyRef).OfType<V1SecretKeySelector>().Select(r => (w.Owner, r.Name, r.Key)))
            .Concat(objects.OfType<V1Ingress>().SelectMany(i => (i.Spec.Tls ?? []).Select(t => ($"Ingress/{i.Metadata.Name}", t.SecretName, "tls.crt"))));
        foreach (var (owner, name, key) in references)
            if (describedSecrets.FirstOrDefault(s => s.Metadata.Name == name)?.StringData?.ContainsKey(key) != true)
                problems.Add($"{owner}: Secret {name} key {key} is not described in secret.example.yaml");
    }

    /// <summary>The app's default gRPC message limit (README, Grpc__MaxReceiveMessageSize), rounded up to MB.</summary>
    private const int GrpcMessageMegabytes = 5;

    // nginx sizes: "8m", "1024k", "0" (no limit); no annotation means its 1 MB default.
    private static double MegabytesOf(string? size) => size switch
    {
        null => 1,
        "0" => double.MaxValue,
        _ when size.EndsWith('m') || size.EndsWith('M') => double.Parse(size[..^1]),
        _ when size.EndsWith('k') || size.EndsWith('K') => double.Parse(size[..^1]) / 1024,
        _ => double.Parse(size) / (1024 * 1024),
    };

    private static string? Get(IDictionary<string, string>? map, string key) => map is not null && map.TryGetValue(key, out var v) ? v : null;

    private static bool Matches(V1LabelSelector selector, IDictionary<string, string>? labels) =>
        selector.MatchExpressions is not { Count: > 0 } && Matches(selector.MatchLabels, labels);

    private static bool Matches(IDictionary<string, string>? selector, IDictionary<string, string>? labels) =>
        selector is { Count: > 0 } && labels is not null && selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <summary>A setting whose name says it is a secret, or whose value carries a password or a private key.</summary>
    public static bool LooksSecret(string name, string value) =>
        value.Length > 0 && (SecretNamePattern().IsMatch(name) || SecretValuePattern().IsMatch(value));

    [GeneratedRegex(@"password|passwd|secret|token|connectionstring|apikey|api_key|privatekey|protectionkey", RegexOptions.IgnoreCase)]
    private static partial Regex SecretNamePattern();

    [GeneratedRegex(@"(password|pwd)\s*=|-----BEGIN|\bBearer\s", RegexOptions.IgnoreCase)]
    private static partial Regex SecretValuePattern();

    [GeneratedRegex(@"MapHealthChecks\(""([^""]+)""")]
    private static partial Regex MapHealthChecksPattern();
}
