using k8s;
using k8s.Models;

namespace EtlStudio.Tests.Deploy;

/// <summary>One way to break the rendered manifests for each rule, and the problem the rule must then report.</summary>
public static class ManifestRegressions
{
    public static IReadOnlyDictionary<string, (Action<List<IKubernetesObject<V1ObjectMeta>>> Break, string Expected)> All { get; } =
        new Dictionary<string, (Action<List<IKubernetesObject<V1ObjectMeta>>>, string)>
        {
            ["liveness probe removed"] = (o => Web(o).LivenessProbe = null, "no liveness probe"),
            ["startup probe removed"] = (o => Worker(o).StartupProbe = null, "no startup probe"),
            ["readiness probe on the liveness path"] = (o => Web(o).ReadinessProbe.HttpGet.Path = "/health/live", "expected /health/ready"),
            ["liveness probe on a path the app does not map"] = (o => Worker(o).LivenessProbe.HttpGet.Path = "/healthz", "which the app does not map"),
            ["memory limit removed"] = (o => Worker(o).Resources.Limits.Remove("memory"), "no memory limit"),
            ["cpu request removed"] = (o => Job(o).Resources.Requests.Remove("cpu"), "no cpu request"),
            ["request above limit"] = (o => Web(o).Resources.Requests["memory"] = new ResourceQuantity("2Gi"), "above its limit"),
            ["writable root filesystem"] = (o => Worker(o).SecurityContext.ReadOnlyRootFilesystem = false, "readOnlyRootFilesystem is not true"),
            ["runAsNonRoot dropped"] = (o => Pod(o, "etlstudio-web").SecurityContext.RunAsNonRoot = null, "runAsNonRoot is not true"),
            ["root user"] = (o => Pod(o, "etlstudio-worker").SecurityContext.RunAsUser = 0, "runs as root"),
            ["capabilities kept"] = (o => Web(o).SecurityContext.Capabilities.Drop = [], "does not drop ALL capabilities"),
            ["no /tmp volume"] = (o => Job(o).VolumeMounts = [], "no emptyDir at /tmp"),
            ["password inline"] = (o => Env(Web(o), "ConnectionStrings__Default").Apply(e =>
                { e.ValueFrom = null; e.Value = "Host=etlstudio-postgres;Username=etlstudio_app;Password=hunter2"; }), "secret-looking value inline"),
            ["client secret in the ConfigMap"] = (o => o.OfType<V1ConfigMap>().Single().Data["Auth__Oidc__ClientSecret"] = "s3cr3t", "looks like a secret"),
            ["a Secret among the manifests"] = (o => o.Add(new V1Secret { Metadata = new V1ObjectMeta { Name = "etlstudio-database" },
                StringData = new Dictionary<string, string> { ["owner-connection-string"] = "x" } }), "is part of the manifests"),
            ["secret key nobody describes"] = (o => Env(Worker(o), "Auth__Oidc__ClientSecret").ValueFrom.SecretKeyRef.Key = "client-secret", "is not described in secret.example.yaml"),
            ["worker deployment not worker-only"] = (o => Env(Worker(o), "Workers__Mode").Value = "All", "expected WorkerOnly"),
            ["web deployment worker-only"] = (o => Env(Web(o), "Workers__Mode").Value = "WorkerOnly", "expected a web mode"),
            ["worker opens the gRPC port"] = (o => Worker(o).Ports.Add(new V1ContainerPort { ContainerPort = 5081, Name = "grpc" }), "HTTP port only"),
            ["port the image does not expose"] = (o => Web(o).Ports[0].ContainerPort = 8080, "is not EXPOSEd"),
            ["gRPC port on the studio's number"] = (o => Web(o).Ports[1].ContainerPort = 5080, "but the app listens for it on 5081"),
            ["two images"] = (o => Worker(o).Image = "etlstudio-worker", "one image for every node"),
            ["entrypoint replaced"] = (o => Job(o).Command = ["sh", "-c"], "replaces the image's ENTRYPOINT"),
            ["migration job not migrating"] = (o => Job(o).Args = ["verify-audit"], "args are not"),
            ["migration job as the runtime role"] = (o => Env(Job(o), "ConnectionStrings__Default").ValueFrom.SecretKeyRef.Key = "runtime-connection-string", "owner-connection-string"),
            ["nodes as the owner role"] = (o => Env(Web(o), "ConnectionStrings__Default").ValueFrom.SecretKeyRef.Key = "owner-connection-string", "runtime-connection-string"),
            ["gRPC service without h2c"] = (o => Service(o, "etlstudio-grpc").Spec.Ports[0].AppProtocol = null, "expected kubernetes.io/h2c"),
            ["service selecting nothing"] = (o => Service(o, "etlstudio-web").Spec.Selector["app.kubernetes.io/component"] = "studio", "selects 0 Deployments"),
            ["service port to nowhere"] = (o => Service(o, "etlstudio-grpc").Spec.Ports[0].TargetPort = "grpcs", "which the pods do not declare"),
            ["no sticky sessions"] = (o => Ingress(o, "etlstudio-web").Metadata.Annotations.Remove("nginx.ingress.kubernetes.io/affinity"), "without cookie affinity"),
            ["gRPC ingress speaking HTTP/1.1"] = (o => Ingress(o, "etlstudio-grpc").Metadata.Annotations.Clear(), "backend-protocol: GRPC"),
            ["gRPC messages cut at nginx's default size"] = (o => Ingress(o, "etlstudio-grpc").Metadata.Annotations.Remove("nginx.ingress.kubernetes.io/proxy-body-size"), "proxy-body-size below"),
            ["metrics on the internet"] = (o => o.Remove(Ingress(o, "etlstudio-internal-paths")), "/metrics is served to the internet"),
            ["ingress to a missing service"] = (o => Ingress(o, "etlstudio-web").Spec.Rules[0].Http.Paths[0].Backend.Service.Name = "etlstudio", "which does not exist"),
            ["no disruption budget for workers"] = (o => o.RemoveAll(x => x is V1PodDisruptionBudget { Metadata.Name: "etlstudio-worker" }), "covered by 0 PodDisruptionBudgets"),
            ["disruption budget that blocks drains"] = (o => o.OfType<V1PodDisruptionBudget>().First().Spec.MaxUnavailable = null, "set maxUnavailable"),
            ["scrape annotation on the wrong port"] = (o => Template(o, "etlstudio-worker").Metadata.Annotations["prometheus.io/port"] = "5081", "no Prometheus scrape annotations"),
            ["PostgreSQL deployed"] = (o => o.Add(new V1Deployment
            {
                Metadata = new V1ObjectMeta { Name = "postgres" },
                Spec = new V1DeploymentSpec { Selector = new V1LabelSelector(), Template = new V1PodTemplateSpec
                    { Metadata = new V1ObjectMeta(), Spec = new V1PodSpec { Containers = [new V1Container { Name = "postgres", Image = "postgres:15" }] } } },
            }), "PostgreSQL is deployed here"),
            ["database moved without the connection strings"] = (o => o.OfType<V1Service>().Single(s => s.Spec.Type == "ExternalName").Metadata.Name = "postgres", "Host is not the Service"),
            ["service token mounted"] = (o => Pod(o, "etlstudio-web").AutomountServiceAccountToken = null, "service account token"),
        };

    private static V1PodTemplateSpec Template(List<IKubernetesObject<V1ObjectMeta>> o, string name) =>
        o.OfType<V1Deployment>().Single(d => d.Metadata.Name == name).Spec.Template;
    private static V1PodSpec Pod(List<IKubernetesObject<V1ObjectMeta>> o, string name) => Template(o, name).Spec;
    private static V1Container Web(List<IKubernetesObject<V1ObjectMeta>> o) => Pod(o, "etlstudio-web").Containers.Single();
    private static V1Container Worker(List<IKubernetesObject<V1ObjectMeta>> o) => Pod(o, "etlstudio-worker").Containers.Single();
    private static V1Container Job(List<IKubernetesObject<V1ObjectMeta>> o) => o.OfType<V1Job>().Single().Spec.Template.Spec.Containers.Single();
    private static V1Service Service(List<IKubernetesObject<V1ObjectMeta>> o, string name) => o.OfType<V1Service>().Single(s => s.Metadata.Name == name);
    private static V1Ingress Ingress(List<IKubernetesObject<V1ObjectMeta>> o, string name) => o.OfType<V1Ingress>().Single(i => i.Metadata.Name == name);
    private static V1EnvVar Env(V1Container c, string name) => c.Env.Single(e => e.Name == name);

    private static void Apply<T>(this T value, Action<T> change) => change(value);
}
