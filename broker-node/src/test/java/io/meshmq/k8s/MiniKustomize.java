package io.meshmq.k8s;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The part of kustomize that k8s/ uses, to render an overlay without a kustomize binary: {@code resources} (files and
 * directories with their own kustomization), {@code patches} (strategic-merge files: maps merge, lists of named maps
 * merge by name, other lists are replaced — what kustomize does for the fields our patches touch), {@code images}
 * (newName/newTag), {@code namespace} and {@code labels} without selectors. Any other kustomization field fails the
 * render, so the manifests cannot silently use a feature this renderer ignores.
 */
final class MiniKustomize {
    private static final Set<String> KNOWN = Set.of("apiVersion", "kind", "namespace", "labels", "resources", "patches", "images");
    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding");

    private MiniKustomize() {}

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> render(Path dir) throws IOException {
        Map<String, Object> k = (Map<String, Object>) load(dir.resolve("kustomization.yaml")).get(0);
        for (String key : k.keySet()) {
            if (!KNOWN.contains(key)) throw new IllegalArgumentException(dir + ": kustomization field not supported by the test's renderer: " + key);
        }
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object r : (List<Object>) k.getOrDefault("resources", List.of())) {
            Path p = dir.resolve((String) r).normalize();
            if (Files.isDirectory(p)) docs.addAll(render(p));
            else for (Object d : load(p)) docs.add((Map<String, Object>) d);
        }
        for (Object patch : (List<Object>) k.getOrDefault("patches", List.of())) {
            Map<String, Object> pm = (Map<String, Object>) patch;
            if (pm.keySet().stream().anyMatch(x -> !x.equals("path"))) throw new IllegalArgumentException("only patches with path: " + pm);
            for (Object p : load(dir.resolve((String) pm.get("path")))) {
                Map<String, Object> pd = (Map<String, Object>) p;
                Map<String, Object> target = docs.stream()
                        .filter(d -> d.get("kind").equals(pd.get("kind")) && name(d).equals(name(pd))).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("patch target not found: " + pd.get("kind") + "/" + name(pd)));
                merge(target, pd);
            }
        }
        for (Object image : (List<Object>) k.getOrDefault("images", List.of())) {
            Map<String, Object> im = (Map<String, Object>) image;
            for (Map<String, Object> d : docs) {
                for (Map<String, Object> c : containers(d)) {
                    String ref = (String) c.get("image");
                    int colon = ref.lastIndexOf(':');
                    String n = colon > 0 ? ref.substring(0, colon) : ref;
                    String tag = colon > 0 ? ref.substring(colon + 1) : "latest";
                    if (!n.equals(im.get("name"))) continue;
                    c.put("image", im.getOrDefault("newName", n) + ":" + im.getOrDefault("newTag", tag));
                }
            }
        }
        if (k.containsKey("namespace")) {
            for (Map<String, Object> d : docs) {
                if (!CLUSTER_SCOPED.contains(d.get("kind"))) metadata(d).put("namespace", k.get("namespace"));
            }
        }
        for (Object l : (List<Object>) k.getOrDefault("labels", List.of())) {
            Map<String, Object> lm = (Map<String, Object>) l;
            if (!Boolean.FALSE.equals(lm.get("includeSelectors")) || lm.containsKey("includeTemplates")) {
                throw new IllegalArgumentException("labels: only includeSelectors: false is supported");
            }
            for (Map<String, Object> d : docs) {
                ((Map<String, Object>) metadata(d).computeIfAbsent("labels", x -> new LinkedHashMap<>()))
                        .putAll((Map<String, Object>) lm.get("pairs"));
            }
        }
        return docs;
    }

    static List<Object> load(Path file) throws IOException {
        List<Object> out = new ArrayList<>();
        for (Object o : new Load(LoadSettings.builder().build()).loadAllFromString(Files.readString(file))) {
            if (o != null) out.add(o);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> metadata(Map<String, Object> d) {
        return (Map<String, Object>) d.computeIfAbsent("metadata", x -> new LinkedHashMap<>());
    }

    static String name(Map<String, Object> d) { return (String) metadata(d).get("name"); }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> containers(Map<String, Object> d) {
        Object spec = d.get("spec");
        if (!(spec instanceof Map<?, ?> s) || !(s.get("template") instanceof Map<?, ?> t)
                || !(t.get("spec") instanceof Map<?, ?> ps)) return List.of();
        return (List<Map<String, Object>>) ps.get("containers");
    }

    /** Strategic merge as our patches need it. */
    @SuppressWarnings("unchecked")
    static void merge(Map<String, Object> target, Map<String, Object> patch) {
        for (Map.Entry<String, Object> e : patch.entrySet()) {
            Object t = target.get(e.getKey());
            Object p = e.getValue();
            if (t instanceof Map<?, ?> tm && p instanceof Map<?, ?> pm) {
                merge((Map<String, Object>) tm, (Map<String, Object>) pm);
            } else if (t instanceof List<?> tl && p instanceof List<?> pl && named(tl) && named(pl)) {
                for (Object pe : pl) {
                    Map<String, Object> pem = (Map<String, Object>) pe;
                    Map<String, Object> match = null;
                    for (Object te : tl) if (((Map<?, ?>) te).get("name").equals(pem.get("name"))) match = (Map<String, Object>) te;
                    if (match != null) merge(match, pem);
                    else ((List<Object>) tl).add(pem);
                }
            } else {
                target.put(e.getKey(), p);
            }
        }
    }

    private static boolean named(List<?> l) {
        return !l.isEmpty() && l.stream().allMatch(x -> x instanceof Map<?, ?> m && m.get("name") instanceof String);
    }
}
