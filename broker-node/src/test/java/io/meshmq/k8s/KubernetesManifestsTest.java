package io.meshmq.k8s;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.meshmq.it.BrokerFixture;
import io.meshmq.ops.Operations;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.Method;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * k8s/ as each overlay renders it (MiniKustomize), parsed into the Kubernetes object model with unknown fields refused,
 * and checked against itself and against the broker: labels and selectors, ports, probes (GET on an in-process broker),
 * environment, RBAC, NetworkPolicy, the ConfigMap, the dashboard's metric names. No Kubernetes cluster needed.
 */
class KubernetesManifestsTest {
    static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    static final Path K8S = REPO.resolve("k8s");
    static final Path KUBERNETES_CONF = REPO.resolve("cluster-config/kubernetes.conf");
    static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "Namespace", Namespace.class, "ServiceAccount", ServiceAccount.class, "Role", Role.class,
            "RoleBinding", RoleBinding.class, "ConfigMap", ConfigMap.class, "Service", Service.class,
            "StatefulSet", StatefulSet.class, "PodDisruptionBudget", PodDisruptionBudget.class,
            "NetworkPolicy", NetworkPolicy.class, "Secret", Secret.class);

    static BrokerFixture broker;
    static int management;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = BrokerFixture.start(Map.of("broker.sys.interval", "0s"));
        management = Operations.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(broker.broker.system())).managementPort();
    }

    @AfterAll
    static void stopBroker() { if (broker != null) broker.close(); }

    /** The broker's configuration as a pod reads it: kubernetes.conf over the defaults (no environment set). */
    static Config podConfig() {
        return ConfigFactory.parseFile(KUBERNETES_CONF.toFile())
                .withFallback(ConfigFactory.parseResources("meshmq-defaults.conf"))
                .withFallback(ConfigFactory.defaultReference()).resolve();
    }

    static List<HasMetadata> rendered(String overlay) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<HasMetadata> out = new ArrayList<>();
        for (Map<String, Object> doc : MiniKustomize.render(K8S.resolve("overlays").resolve(overlay))) {
            Class<? extends HasMetadata> type = KINDS.get((String) doc.get("kind"));
            assertThat(type).as("kind %s is known to the test", doc.get("kind")).isNotNull();
            HasMetadata o = json.convertValue(doc, type);
            assertNoUnknownFields(o, doc.get("kind") + "/" + MiniKustomize.name(doc), new IdentityHashMap<>());
            assertThat(o.getApiVersion()).isEqualTo(o.getApiVersion());
            out.add(o);
        }
        return out;
    }

    /** fabric8's model keeps unknown fields in additionalProperties: any there is a misspelt or misplaced field. */
    static void assertNoUnknownFields(Object o, String where, IdentityHashMap<Object, Boolean> seen) throws Exception {
        if (o == null || seen.put(o, true) != null) return;
        if (o instanceof Collection<?> c) { int i = 0; for (Object e : c) assertNoUnknownFields(e, where + "[" + i++ + "]", seen); return; }
        if (o instanceof Map<?, ?> m) { for (Map.Entry<?, ?> e : m.entrySet()) assertNoUnknownFields(e.getValue(), where + "." + e.getKey(), seen); return; }
        if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) return;
        for (Method g : o.getClass().getMethods()) {
            if (g.getParameterCount() != 0 || g.getDeclaringClass() == Object.class) continue;
            if (g.getName().equals("getAdditionalProperties")) {
                assertThat((Map<?, ?>) g.invoke(o)).as("unknown fields in " + where).isEmpty();
            } else if (g.getName().startsWith("get") && !g.getName().equals("getClass")) {
                assertNoUnknownFields(g.invoke(o), where + "." + g.getName().substring(3), seen);
            }
        }
    }

    static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type, String name) {
        return all(objects, type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(type.getSimpleName() + "/" + name + " not rendered"));
    }

    static boolean selects(Map<String, String> selector, Map<String, String> labels) {
        return selector != null && !selector.isEmpty() && labels.entrySet().containsAll(selector.entrySet());
    }

    @ParameterizedTest(name = "overlay {0}")
    @ValueSource(strings = {"dev", "prod"})
    @DisplayName("every object parses strictly; namespaces, selectors, services, PDB and the StatefulSet agree")
    void objectsAndSelectors(String overlay) throws Exception {
        List<HasMetadata> objects = rendered(overlay);
        one(objects, Namespace.class, "meshmq");
        for (HasMetadata o : objects) {
            if (!(o instanceof Namespace)) assertThat(o.getMetadata().getNamespace()).as(o.getKind() + "/" + o.getMetadata().getName()).isEqualTo("meshmq");
        }
        for (StatefulSet sts : all(objects, StatefulSet.class)) {
            Map<String, String> podLabels = sts.getSpec().getTemplate().getMetadata().getLabels();
            assertThat(selects(sts.getSpec().getSelector().getMatchLabels(), podLabels)).as(sts.getMetadata().getName() + " selector").isTrue();
            Service governing = one(objects, Service.class, sts.getSpec().getServiceName());
            assertThat(selects(governing.getSpec().getSelector(), podLabels)).isTrue();
        }
        StatefulSet sts = one(objects, StatefulSet.class, "meshmq");
        Service headless = one(objects, Service.class, sts.getSpec().getServiceName());
        assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(headless.getSpec().getPublishNotReadyAddresses()).isTrue();
        assertThat(sts.getSpec().getPodManagementPolicy()).as("bootstrap needs the pods together").isEqualTo("Parallel");
        if (overlay.equals("dev")) assertThat(sts.getSpec().getReplicas()).isEqualTo(3);
        Map<String, String> podLabels = sts.getSpec().getTemplate().getMetadata().getLabels();
        // every Service selects pods of some workload, and names container ports that exist
        for (Service s : all(objects, Service.class)) {
            StatefulSet target = all(objects, StatefulSet.class).stream()
                    .filter(x -> selects(s.getSpec().getSelector(), x.getSpec().getTemplate().getMetadata().getLabels()))
                    .findFirst().orElseThrow(() -> new AssertionError("Service " + s.getMetadata().getName() + " selects no pods"));
            Set<String> portNames = target.getSpec().getTemplate().getSpec().getContainers().stream()
                    .flatMap(c -> c.getPorts().stream()).map(ContainerPort::getName).collect(Collectors.toSet());
            for (ServicePort p : s.getSpec().getPorts()) {
                assertThat(portNames).as("targetPort of " + s.getMetadata().getName()).contains(p.getTargetPort().getStrVal());
            }
        }
        Service mqtt = one(objects, Service.class, "meshmq");
        assertThat(mqtt.getSpec().getPorts()).extracting(ServicePort::getPort).containsExactlyInAnyOrder(1883, 8883, 8083, 8084);
        assertThat(headless.getSpec().getPorts()).extracting(ServicePort::getPort).containsExactlyInAnyOrder(25520, 8558);
        PodDisruptionBudget pdb = one(objects, PodDisruptionBudget.class, "meshmq");
        assertThat(selects(pdb.getSpec().getSelector().getMatchLabels(), podLabels)).isTrue();
        assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
        // Kubernetes API discovery finds exactly these pods, on their "management" port
        Config c = podConfig();
        String selector = String.format(c.getString("pekko.discovery.kubernetes-api.pod-label-selector"),
                c.getString("pekko.management.cluster.bootstrap.contact-point-discovery.service-name"));
        String[] kv = selector.split("=");
        assertThat(podLabels).containsEntry(kv[0], kv[1]);
        assertThat(broker(sts).getPorts()).extracting(ContainerPort::getName)
                .contains(c.getString("pekko.discovery.kubernetes-api.pod-port-name"));
        if (overlay.equals("prod")) {
            PodSpec spec = sts.getSpec().getTemplate().getSpec();
            assertThat(selects(spec.getAffinity().getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().get(0)
                    .getLabelSelector().getMatchLabels(), podLabels)).isTrue();
            assertThat(selects(spec.getTopologySpreadConstraints().get(0).getLabelSelector().getMatchLabels(), podLabels)).isTrue();
        }
    }

    static Container broker(StatefulSet sts) {
        return sts.getSpec().getTemplate().getSpec().getContainers().stream().filter(c -> c.getName().equals("broker"))
                .findFirst().orElseThrow();
    }

    @ParameterizedTest(name = "overlay {0}")
    @ValueSource(strings = {"dev", "prod"})
    @DisplayName("container ports are the broker's configured ports; probes use the management port and paths the broker serves (GET: 200)")
    void portsAndProbes(String overlay) throws Exception {
        StatefulSet sts = one(rendered(overlay), StatefulSet.class, "meshmq");
        Container c = broker(sts);
        Config conf = podConfig();
        Map<String, Integer> ports = c.getPorts().stream().collect(Collectors.toMap(ContainerPort::getName, ContainerPort::getContainerPort));
        assertThat(ports).containsEntry("mqtt", conf.getInt("broker.mqtt.port"))
                .containsEntry("mqtts", conf.getInt("broker.tls.port"))
                .containsEntry("ws", conf.getInt("broker.websocket.port"))
                .containsEntry("wss", conf.getInt("broker.websocket.tls.port"))
                .containsEntry("management", conf.getInt("broker.management.port"))
                .containsEntry("remoting", conf.getInt("pekko.remote.artery.canonical.port"))
                .hasSize(6);
        assertThat(conf.getInt("pekko.management.http.port")).isEqualTo(conf.getInt("broker.management.port"));
        assertThat(conf.getBoolean("broker.management.cluster-bootstrap")).isTrue();
        HttpClient http = HttpClient.newHttpClient();
        for (Probe p : List.of(c.getStartupProbe(), c.getLivenessProbe(), c.getReadinessProbe())) {
            assertThat(p).isNotNull();
            String port = p.getHttpGet().getPort().getStrVal();
            assertThat(port).isEqualTo("management");
            String path = p.getHttpGet().getPath();
            assertThat(ProbePaths.SERVED).contains(path);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            int status;
            do {
                status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + path))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
                if (status != 200) Thread.sleep(100);
            } while (status != 200 && System.nanoTime() < deadline);
            assertThat(status).as("GET " + path + " on a ready broker").isEqualTo(200);
        }
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).as("liveness must not check the journal").isEqualTo("/alive");
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/ready");
        // readiness's journal check times out before the probe does
        assertThat(c.getReadinessProbe().getTimeoutSeconds()).isGreaterThan((int) conf.getDuration("broker.management.journal-check-timeout").toSeconds());
    }

    @ParameterizedTest(name = "overlay {0}")
    @ValueSource(strings = {"dev", "prod"})
    @DisplayName("every ${?VAR} the configuration reads is set; secrets, config file, data dir, /tmp, JVM heap, shutdown")
    void environmentAndPod(String overlay) throws Exception {
        List<HasMetadata> objects = rendered(overlay);
        StatefulSet sts = one(objects, StatefulSet.class, "meshmq");
        Container c = broker(sts);
        Map<String, EnvVar> env = c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
        Set<String> read = new TreeSet<>();
        for (Path f : List.of(KUBERNETES_CONF, REPO.resolve("broker-node/src/main/resources/reference.conf"))) read.addAll(envVarsRead(f));
        assertThat(read).contains("POD_IP", "BROKER_JOURNAL_URL", "BROKER_DATA_DIR");
        assertThat(env.keySet()).containsAll(read);
        assertThat(env.get("POD_IP").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.podIP");
        // secrets: dev ships its Secret; prod expects meshmq-journal to be created by the operator (docs/operations.md)
        for (EnvVar e : env.values()) {
            if (e.getValueFrom() == null || e.getValueFrom().getSecretKeyRef() == null) continue;
            String secret = e.getValueFrom().getSecretKeyRef().getName();
            assertThat(secret).isEqualTo("meshmq-journal");
            if (overlay.equals("dev")) {
                assertThat(one(objects, Secret.class, secret).getStringData()).containsKey(e.getValueFrom().getSecretKeyRef().getKey());
            } else {
                assertThat(all(objects, Secret.class)).as("prod keeps credentials out of the repository").isEmpty();
            }
        }
        // the ConfigMap is cluster-config/kubernetes.conf, mounted where -Dconfig.file points
        ConfigMap cm = one(objects, ConfigMap.class, "meshmq-config");
        assertThat(cm.getData().get("kubernetes.conf")).isEqualTo(Files.readString(KUBERNETES_CONF));
        String javaOptions = env.get("JDK_JAVA_OPTIONS").getValue();
        Matcher file = Pattern.compile("-Dconfig\\.file=(\\S+)").matcher(javaOptions);
        assertThat(file.find()).isTrue();
        VolumeMount configMount = mount(c, file.group(1));
        assertThat(volume(sts, configMount.getName()).getConfigMap().getName()).isEqualTo("meshmq-config");
        assertThat(configMount.getSubPath()).isEqualTo("kubernetes.conf");
        assertThat(javaOptions).contains("-XX:MaxRAMPercentage=");
        assertThat(c.getResources().getLimits()).containsKey("memory");
        assertThat(c.getResources().getRequests()).containsKeys("memory", "cpu");
        // read-only root: the data dir and /tmp are emptyDirs
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(sts.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(volume(sts, mount(c, "/tmp").getName()).getEmptyDir()).isNotNull();
        assertThat(volume(sts, mount(c, env.get("BROKER_DATA_DIR").getValue()).getName()).getEmptyDir()).isNotNull();
        // drain: preStop, then coordinated shutdown, inside the grace period
        List<String> preStop = c.getLifecycle().getPreStop().getExec().getCommand();
        assertThat(preStop.get(0)).isEqualTo("sleep");
        long grace = sts.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
        assertThat(grace).isGreaterThanOrEqualTo(Long.parseLong(preStop.get(1)) + 30);
        assertThat(sts.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("meshmq");
    }

    static VolumeMount mount(Container c, String path) {
        return c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(path)).findFirst()
                .orElseThrow(() -> new AssertionError("nothing mounted at " + path));
    }

    static Volume volume(StatefulSet sts, String name) {
        return sts.getSpec().getTemplate().getSpec().getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst().orElseThrow();
    }

    /** {@code ${?VAR}} in a HOCON file and the classpath files it includes. */
    static Set<String> envVarsRead(Path file) throws Exception {
        Set<String> vars = new LinkedHashSet<>();
        String text = Files.readAllLines(file).stream().filter(l -> !l.strip().startsWith("#") && !l.strip().startsWith("//"))
                .collect(Collectors.joining("\n"));
        Matcher m = Pattern.compile("\\$\\{\\?([A-Z_][A-Z0-9_]*)}").matcher(text);
        while (m.find()) vars.add(m.group(1));
        Matcher inc = Pattern.compile("include classpath\\(\"([^\"]+)\"\\)").matcher(text);
        while (inc.find()) vars.addAll(envVarsRead(REPO.resolve(inc.group(1))));
        return vars;
    }

    @ParameterizedTest(name = "overlay {0}")
    @ValueSource(strings = {"dev", "prod"})
    @DisplayName("RBAC grants exactly what Kubernetes API discovery uses (no lease: SBR keep-majority)")
    void rbac(String overlay) throws Exception {
        List<HasMetadata> objects = rendered(overlay);
        assertThat(all(objects, Role.class)).hasSize(1);
        Role role = all(objects, Role.class).get(0);
        assertThat(role.getRules()).hasSize(1);
        PolicyRule rule = role.getRules().get(0);
        assertThat(rule.getApiGroups()).containsExactly("");
        assertThat(rule.getResources()).containsExactly("pods");
        assertThat(rule.getVerbs()).containsExactlyInAnyOrder("get", "watch", "list");
        assertThat(rule.getResourceNames()).isNullOrEmpty();
        Config c = podConfig();
        assertThat(c.getString("pekko.cluster.split-brain-resolver.active-strategy")).isEqualTo("keep-majority");
        assertThat(c.getString("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method")).isEqualTo("kubernetes-api");
        RoleBinding binding = all(objects, RoleBinding.class).get(0);
        assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
        assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
        StatefulSet sts = one(objects, StatefulSet.class, "meshmq");
        assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
            assertThat(s.getKind()).isEqualTo("ServiceAccount");
            assertThat(s.getName()).isEqualTo(sts.getSpec().getTemplate().getSpec().getServiceAccountName());
            assertThat(s.getNamespace()).isEqualTo(sts.getMetadata().getNamespace());
        });
        one(objects, ServiceAccount.class, binding.getSubjects().get(0).getName());
    }

    @ParameterizedTest(name = "overlay {0}")
    @ValueSource(strings = {"dev", "prod"})
    @DisplayName("NetworkPolicy: anyone reaches only 1883/8883 and WebSocket 8083/8084; remoting and management only from broker pods (and monitoring for 8558)")
    void networkPolicy(String overlay) throws Exception {
        List<HasMetadata> objects = rendered(overlay);
        StatefulSet sts = one(objects, StatefulSet.class, "meshmq");
        Map<String, String> brokerLabels = sts.getSpec().getTemplate().getMetadata().getLabels();
        NetworkPolicy np = all(objects, NetworkPolicy.class).stream()
                .filter(p -> selects(p.getSpec().getPodSelector().getMatchLabels(), brokerLabels)).findFirst().orElseThrow();
        assertThat(np.getSpec().getPolicyTypes()).contains("Ingress", "Egress");
        for (NetworkPolicyIngressRule r : np.getSpec().getIngress()) {
            Set<Integer> ports = r.getPorts().stream().map(NetworkPolicyPort::getPort).map(p -> p.getIntVal()).collect(Collectors.toSet());
            assertThat(ports).isNotEmpty();
            if (r.getFrom() == null || r.getFrom().isEmpty()) {
                assertThat(ports).as("open to anyone").isSubsetOf(1883, 8883, 8083, 8084);
            } else {
                for (NetworkPolicyPeer peer : r.getFrom()) {
                    boolean brokers = peer.getPodSelector() != null && peer.getNamespaceSelector() == null
                            && selects(peer.getPodSelector().getMatchLabels(), brokerLabels);
                    boolean monitoring = peer.getNamespaceSelector() != null && ports.equals(Set.of(8558));
                    assertThat(brokers || monitoring).as("peer " + peer).isTrue();
                }
            }
        }
        // brokers may reach PostgreSQL; in dev only brokers reach it
        assertThat(np.getSpec().getEgress()).anySatisfy(e -> assertThat(e.getPorts()).extracting(p -> p.getPort().getIntVal()).contains(5432));
        if (overlay.equals("dev")) {
            StatefulSet pg = one(objects, StatefulSet.class, "postgres");
            NetworkPolicy pgPolicy = all(objects, NetworkPolicy.class).stream()
                    .filter(p -> selects(p.getSpec().getPodSelector().getMatchLabels(), pg.getSpec().getTemplate().getMetadata().getLabels()))
                    .findFirst().orElseThrow();
            assertThat(pgPolicy.getSpec().getIngress()).singleElement().satisfies(r ->
                    assertThat(r.getFrom()).allSatisfy(p -> assertThat(selects(p.getPodSelector().getMatchLabels(), brokerLabels)).isTrue()));
        }
    }

    @org.junit.jupiter.api.Test
    @DisplayName("the Grafana dashboard uses only metric names the broker exports")
    void dashboardMetricNames() throws Exception {
        String dashboard = Files.readString(K8S.resolve("grafana-dashboard.json"));
        new ObjectMapper().readTree(dashboard);
        Set<String> used = new TreeSet<>();
        Matcher m = Pattern.compile("\\b((?:meshmq|jvm)_[a-z_]+)\\b").matcher(dashboard);
        while (m.find()) used.add(m.group(1));
        assertThat(used).isNotEmpty();
        String scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Set<String> exported = OpsEndpointsTest.parse(scrape).keySet().stream()
                .map(n -> n.replaceAll("_(sum|count|max|bucket)$", "")).collect(Collectors.toSet());
        exported.addAll(OpsEndpointsTest.parse(scrape).keySet());
        // counters per reason and GC pauses appear once something was counted: their families are declared by name
        exported.addAll(List.of("meshmq_messages_dropped_total", "meshmq_connections_rejected_total", "jvm_gc_pause_seconds"));
        for (String name : used) {
            assertThat(exported).as("dashboard metric " + name).contains(name.replaceAll("_(sum|count|max|bucket)$", ""));
        }
    }
}
