package io.meshmq.auth;

import io.meshmq.topic.Topics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Topic access rules (the ACL file), first match wins, default deny. One rule a line:
 * <pre>
 *   allow|deny  publish|subscribe|all  SUBJECT  TOPIC-FILTER
 * </pre>
 * SUBJECT: {@code *} (anyone), {@code anonymous}, {@code user:NAME}, {@code client:ID}, {@code cert:IDENTITY}
 * ({@code NAME}/{@code ID}/{@code IDENTITY} may be {@code *}: any authenticated user, any client id, any
 * certificate). In the filter, {@code %u} stands for the user name and {@code %c} for the client id; a rule using
 * {@code %u} does not apply to anonymous clients, and one whose substituted value would contain '/', '+' or '#'
 * does not apply at all. Blank lines and {@code #} comments are ignored.
 *
 * <p>PUBLISH to topic T is allowed by the first publish rule whose filter matches T. SUBSCRIBE to filter F by the
 * first subscribe rule whose filter covers every topic F can match ({@code devices/a/#} covers {@code devices/a/+}).
 * Receiving a message on topic T (retained or live) needs a subscribe rule that matches T. Shared subscriptions are
 * checked on their topic filter ({@code $share/group/F} → F).
 */
public final class AccessControl {

    public enum Action { PUBLISH, SUBSCRIBE }

    enum SubjectKind { ANY, ANONYMOUS, USER, CLIENT, CERT }

    record Rule(boolean allow, boolean publish, boolean subscribe, SubjectKind kind, String subject, String filter, int line) {}

    private final List<Rule> rules;

    private AccessControl(List<Rule> rules) { this.rules = List.copyOf(rules); }

    public int size() { return rules.size(); }

    public static AccessControl parse(Path path) throws IOException {
        return parse(Files.readAllLines(path, StandardCharsets.UTF_8), path.toString());
    }

    public static AccessControl parse(List<String> lines, String source) throws IOException {
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] f = line.split("\\s+");
            String where = source + " line " + (i + 1) + ": ";
            if (f.length != 4) throw new IOException(where + "expected: allow|deny publish|subscribe|all SUBJECT TOPIC-FILTER");
            boolean allow = switch (f[0].toLowerCase()) {
                case "allow" -> true;
                case "deny" -> false;
                default -> throw new IOException(where + "expected allow or deny, not " + f[0]);
            };
            String action = f[1].toLowerCase();
            boolean pub = action.equals("publish") || action.equals("all");
            boolean sub = action.equals("subscribe") || action.equals("all");
            if (!pub && !sub) throw new IOException(where + "expected publish, subscribe or all, not " + f[1]);
            SubjectKind kind;
            String subject = null;
            if (f[2].equals("*")) kind = SubjectKind.ANY;
            else if (f[2].equalsIgnoreCase("anonymous")) kind = SubjectKind.ANONYMOUS;
            else {
                int colon = f[2].indexOf(':');
                String k = colon < 0 ? "" : f[2].substring(0, colon).toLowerCase();
                subject = colon < 0 ? "" : f[2].substring(colon + 1);
                kind = switch (k) {
                    case "user" -> SubjectKind.USER;
                    case "client" -> SubjectKind.CLIENT;
                    case "cert" -> SubjectKind.CERT;
                    default -> throw new IOException(where + "subject must be *, anonymous, user:NAME, client:ID or cert:IDENTITY");
                };
                if (subject.isEmpty()) throw new IOException(where + "empty subject name");
            }
            String filter = f[3];
            if (!Topics.isValidFilter(filter.replace("%u", "u").replace("%c", "c"))) {
                throw new IOException(where + "invalid topic filter " + filter);
            }
            rules.add(new Rule(allow, pub, sub, kind, subject, filter, i + 1));
        }
        return new AccessControl(rules);
    }

    /** Whether {@code who} may publish to {@code topic}. */
    public boolean mayPublish(ClientIdentity who, String topic) {
        return decide(who, Action.PUBLISH, topic, false);
    }

    /** Whether {@code who} may subscribe to {@code filter} (shared subscriptions: the filter after the group). */
    public boolean maySubscribe(ClientIdentity who, String filter) {
        return decide(who, Action.SUBSCRIBE, plainFilter(filter), true);
    }

    /** Whether a message on {@code topic} may be delivered to {@code who} (a subscribe rule must match the topic). */
    public boolean mayReceive(ClientIdentity who, String topic) {
        return decide(who, Action.SUBSCRIBE, topic, false);
    }

    private boolean decide(ClientIdentity who, Action action, String topicOrFilter, boolean isFilter) {
        for (Rule r : rules) {
            if (action == Action.PUBLISH ? !r.publish() : !r.subscribe()) continue;
            if (!applies(r, who)) continue;
            String pattern = substitute(r.filter(), who);
            if (pattern == null) continue;
            boolean match = isFilter ? covers(pattern, topicOrFilter) : Topics.matches(pattern, topicOrFilter);
            if (match) return r.allow();
        }
        return false;
    }

    private static boolean applies(Rule r, ClientIdentity who) {
        return switch (r.kind()) {
            case ANY -> true;
            case ANONYMOUS -> who.anonymous();
            case USER -> who.user() != null && (r.subject().equals("*") || r.subject().equals(who.user()));
            case CLIENT -> r.subject().equals("*") || r.subject().equals(who.clientId());
            case CERT -> who.certificateIdentity() != null
                    && (r.subject().equals("*") || r.subject().equals(who.certificateIdentity()));
        };
    }

    /** The rule's filter with %u and %c replaced, or null if a needed value is missing or unsafe. */
    static String substitute(String filter, ClientIdentity who) {
        if (filter.indexOf('%') < 0) return filter;
        String out = filter;
        if (out.contains("%u")) {
            if (!safeLevel(who.user())) return null;
            out = out.replace("%u", who.user());
        }
        if (out.contains("%c")) {
            if (!safeLevel(who.clientId())) return null;
            out = out.replace("%c", who.clientId());
        }
        return out;
    }

    private static boolean safeLevel(String v) {
        return v != null && !v.isEmpty() && v.indexOf('/') < 0 && v.indexOf('+') < 0 && v.indexOf('#') < 0;
    }

    static String plainFilter(String filter) {
        if (!Topics.isShared(filter)) return filter;
        int slash = filter.indexOf('/', Topics.SHARE_PREFIX.length());
        return slash < 0 ? filter : filter.substring(slash + 1);
    }

    /** Whether every topic matched by {@code filter} is matched by {@code pattern} (both valid filters). */
    static boolean covers(String pattern, String filter) {
        String[] p = Topics.levels(pattern);
        String[] f = Topics.levels(filter);
        if ((p[0].equals("+") || p[0].equals("#")) && Topics.isDollarTopic(f[0])) {
            return false;   // MQTT-4.7.2-1: leading wildcards do not reach '$' topics
        }
        for (int i = 0; i < p.length; i++) {
            if (p[i].equals("#")) return true;
            if (i >= f.length) return false;
            if (f[i].equals("#")) return false;
            if (p[i].equals("+")) continue;
            if (f[i].equals("+") || !p[i].equals(f[i])) return false;
        }
        return p.length == f.length;
    }
}
