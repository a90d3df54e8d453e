package io.meshmq.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which cluster node hosts the session entity of a client id: asks each node's Pekko Management
 * {@code /cluster/shards/Session} (the shards of that node's region and their entity counts) for the client's shard,
 * {@code |hashCode % 256|} like sharding's default extractor with the broker's {@code number-of-shards = 256}.
 */
final class SessionHome {
    private SessionHome() {}

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    static String shardId(String clientId) { return String.valueOf(Math.abs(clientId.hashCode() % 256)); }

    /** 1-based index into {@code --mgmt-ports}, 0 when no node lists the shard with an entity. */
    static int node(Bench.Options o, String clientId) {
        Pattern p = Pattern.compile("\\{[^{}]*\"shardId\"\\s*:\\s*\"" + shardId(clientId) + "\"[^{}]*\\}");
        Pattern entities = Pattern.compile("\"numEntities\"\\s*:\\s*(\\d+)");
        for (int i = 0; i < o.mgmtPorts.length; i++) {
            try {
                HttpResponse<String> rsp = HTTP.send(HttpRequest.newBuilder(
                                URI.create("http://" + o.host + ":" + o.mgmtPorts[i] + "/cluster/shards/Session"))
                        .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
                Matcher m = p.matcher(rsp.body());
                while (m.find()) {
                    Matcher e = entities.matcher(m.group());
                    if (e.find() && Integer.parseInt(e.group(1)) > 0) return i + 1;
                }
            } catch (Exception e) {
                Bench.log("management port " + o.mgmtPorts[i] + ": " + e);
            }
        }
        return 0;
    }
}
