package io.meshmq.connection;

import io.meshmq.auth.AccessControl;
import io.meshmq.auth.AuthResult;
import io.meshmq.auth.ClientIdentity;
import io.meshmq.auth.ClientInfo;
import io.meshmq.auth.Security;
import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.ReasonCode;
import io.meshmq.ops.Metrics;
import io.meshmq.routing.ApplicationMessage;
import io.meshmq.topic.Topics;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The security side of one connection, kept out of {@link ConnectionActor} so that the actor only calls it at a few
 * points: admission at CONNECT (node limits, authentication), topic limits and ACL on PUBLISH and SUBSCRIBE, the
 * ACL on every message delivered to the client (retained ones included) and on the will, and the inbound publish
 * rate. Confined to its actor.
 */
final class ConnectionGuard {
    private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);
    private static final int DELIVERY_CACHE = 1024;

    /** Sent by the connection to itself: acknowledge the stream chunk now (inbound publish rate limiting). */
    record DelayedAck(ActorRef<ConnectionActor.StreamAck> ackTo) implements ConnectionCommand {}

    private final Security security;
    private final Metrics metrics;
    private final int maxConnections;
    private final String remote;
    private final Supplier<List<X509Certificate>> peerCertificates;
    private final Limits limits;
    private final TokenBucket publishBucket;

    private ClientIdentity identity;
    private String refusal;
    /** SUBSCRIBE packet id → the codes decided here (null where the session decides), in the packet's order. */
    private final Map<Integer, List<ReasonCode>> presetSubAck = new HashMap<>();
    private final Map<String, Boolean> deliveryCache = new HashMap<>();
    private long deliveryCacheGeneration = -1;

    ConnectionGuard(Security security, Metrics metrics, String remote, Supplier<List<X509Certificate>> peerCertificates) {
        this.security = security;
        this.metrics = metrics;
        this.remote = remote;
        this.peerCertificates = peerCertificates;
        this.limits = security.limits();
        this.maxConnections = limits.maxConnections();
        this.publishBucket = limits.publishRate() <= 0 ? null
                : new TokenBucket(limits.publishRate(), limits.publishBurst() > 0 ? limits.publishBurst() : limits.publishRate());
    }

    // ---- CONNECT ---------------------------------------------------------------------------------------------

    /**
     * Node limits, then authentication with {@code authenticator} (BrokerServices'). SUCCESS lets the client in;
     * anything else is the CONNACK reason, with {@link #refusal()} saying why for the log.
     */
    ReasonCode admit(io.meshmq.auth.Authenticator authenticator, MqttPacket.Connect connect, String clientId) {
        if (maxConnections > 0 && metrics.connectionsCurrent() > maxConnections) {
            metrics.rejected("limit.max-connections");
            return refuse(ReasonCode.SERVER_BUSY, "connection limit of " + maxConnections + " reached");
        }
        if (!security.tryAcceptConnection()) {
            metrics.rejected("limit.connection-rate");
            return refuse(ReasonCode.CONNECTION_RATE_EXCEEDED, "connection rate limit exceeded");
        }
        AuthResult r = authenticator.authenticate(connect, new ClientInfo(remote, peerCertificates.get()));
        if (!r.success()) {
            metrics.rejected(r.code() == ReasonCode.BAD_USER_NAME_OR_PASSWORD ? "auth.bad-credentials" : "auth.not-authorized");
            log.warn("login failed: client id '{}' from {}: {}", clientId, remote, r.why());
            return refuse(r.code(), "authentication failed: " + r.why());
        }
        identity = new ClientIdentity(clientId, r.user(), r.certificateIdentity());
        return ReasonCode.SUCCESS;
    }

    private ReasonCode refuse(ReasonCode code, String why) {
        refusal = why;
        return code;
    }

    String refusal() { return refusal; }

    ClientIdentity identity() { return identity; }

    // ---- PUBLISH ---------------------------------------------------------------------------------------------

    /** Whether a topic name is within broker.limits (length, levels); over it the connection is closed (0x90). */
    boolean topicWithinLimits(String topic) {
        if (limits.topicWithinLimits(topic)) return true;
        metrics.rejected("limit.topic");
        return false;
    }

    /** Whether the client may publish to {@code topic}; a denial is logged and counted. */
    boolean mayPublish(String topic) {
        AccessControl acl = security.acl();
        if (acl == null || acl.mayPublish(identity, topic)) return true;
        metrics.rejected("acl.publish");
        log.info("client '{}' (user {}) may not publish to '{}'", identity.clientId(), identity.user(), topic);
        return false;
    }

    /** The will, or null when its owner may not publish to its topic (checked when the will would be published). */
    ApplicationMessage allowedWill(ApplicationMessage will) {
        if (will == null || identity == null) return will;
        AccessControl acl = security.acl();
        if (acl == null || acl.mayPublish(identity, will.topic())) return will;
        metrics.rejected("acl.will");
        log.info("will of client '{}' (user {}) to '{}' discarded: not authorized", identity.clientId(), identity.user(), will.topic());
        return null;
    }

    /**
     * Counts the PUBLISH packets of one read against the client's budget. Returns how long to hold back the
     * stream acknowledgement (ms, 0: at once), or -1 when the client is so far over that it must be disconnected.
     */
    long inboundDelayMillis(List<MqttPacket> packets) {
        if (publishBucket == null) return 0;
        int n = 0;
        for (MqttPacket p : packets) if (p instanceof MqttPacket.Publish) n++;
        if (n == 0) return 0;
        long nanos = publishBucket.take(n);
        if (nanos == 0) return 0;
        if (nanos > limits.publishMaxDelay().toNanos()) {
            metrics.rejected("limit.publish-rate");
            return -1;
        }
        metrics.rejected("limit.publish-throttled");
        return Math.max(1, nanos / 1_000_000);
    }

    // ---- SUBSCRIBE -------------------------------------------------------------------------------------------

    /**
     * Decides what the session must not see: filters over the topic limits (0x8F; 3.1.1: 0x80) and filters the ACL
     * denies (0x87; 3.1.1: 0x80). Returns the subscriptions to pass on; {@link #subAckCodes} merges the answers.
     */
    List<MqttPacket.Subscription> screen(MqttPacket.Subscribe s) {
        AccessControl acl = security.acl();
        List<ReasonCode> preset = new ArrayList<>(s.subscriptions().size());
        List<MqttPacket.Subscription> pass = new ArrayList<>(s.subscriptions().size());
        boolean any = false;
        for (MqttPacket.Subscription sub : s.subscriptions()) {
            String plain = plainFilter(sub.filter());
            ReasonCode code = null;
            if (!limits.topicWithinLimits(plain)) {
                metrics.rejected("limit.topic");
                code = ReasonCode.TOPIC_FILTER_INVALID;
            } else if (acl != null && !acl.maySubscribe(identity, sub.filter())) {
                metrics.rejected("acl.subscribe");
                log.info("client '{}' (user {}) may not subscribe to '{}'", identity.clientId(), identity.user(), sub.filter());
                code = ReasonCode.NOT_AUTHORIZED;
            }
            preset.add(code);
            if (code == null) pass.add(sub); else any = true;
        }
        if (any) presetSubAck.put(s.packetId(), preset);
        return pass;
    }

    /** The SUBACK codes for {@code packetId}: those decided here merged, in order, with the session's. */
    List<ReasonCode> subAckCodes(int packetId, List<ReasonCode> fromSession) {
        List<ReasonCode> preset = presetSubAck.remove(packetId);
        if (preset == null) return fromSession;
        List<ReasonCode> out = new ArrayList<>(preset.size());
        int i = 0;
        for (ReasonCode c : preset) out.add(c != null ? c : i < fromSession.size() ? fromSession.get(i++) : ReasonCode.UNSPECIFIED_ERROR);
        return out;
    }

    // ---- delivery --------------------------------------------------------------------------------------------

    /** Whether a message on {@code topic} may go to this client (retained or live); a denial is counted. */
    boolean mayDeliver(String topic) {
        long gen = security.aclGeneration();
        AccessControl acl = security.acl();
        if (acl == null || identity == null) return true;
        if (gen != deliveryCacheGeneration || deliveryCache.size() >= DELIVERY_CACHE) {
            deliveryCache.clear();
            deliveryCacheGeneration = gen;
        }
        Boolean ok = deliveryCache.get(topic);
        if (ok == null) {
            ok = acl.mayReceive(identity, topic);
            deliveryCache.put(topic, ok);
        }
        if (!ok) metrics.dropped("acl.deliver");
        return ok;
    }

    private static String plainFilter(String filter) {
        if (!Topics.isShared(filter)) return filter;
        int slash = filter.indexOf('/', Topics.SHARE_PREFIX.length());
        return slash < 0 ? filter : filter.substring(slash + 1);
    }
}
