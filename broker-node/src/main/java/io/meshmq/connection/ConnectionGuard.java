package io.meshmq.connection;

import io.meshmq.auth.AccessControl;
import io.meshmq.auth.AuthResult;
import io.meshmq.auth.ClientIdentity;
import io.meshmq.auth.ClientInfo;
import io.meshmq.auth.EnhancedAuthentication;
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
 * and byte rates. Confined to its actor.
 */
final class ConnectionGuard {
    private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);
    private static final int DELIVERY_CACHE = 1024;

    /** Sent by the connection to itself: acknowledge the stream chunk now (inbound publish and byte rate limiting). */
    record DelayedAck(ActorRef<ConnectionActor.StreamAck> ackTo) implements ConnectionCommand {}

    private final Security security;
    private final Metrics metrics;
    private final int maxConnections;
    private final String remote;
    private final Supplier<List<X509Certificate>> peerCertificates;
    private final Limits limits;
    private final TokenBucket publishBucket;
    private final TokenBucket bytesBucket;

    private ClientIdentity identity;
    private String refusal;

    // enhanced authentication (MQTT 4.12)
    private io.meshmq.auth.Authenticator authenticator;
    private ClientInfo clientInfo;
    /** The CONNECT's Authentication Method; null: the client did not use enhanced authentication. */
    private String authMethod;
    /** The exchange in progress (at CONNECT or a re-authentication), null between them. */
    private EnhancedAuthentication exchange;
    /** The server's Authentication Data for the next AUTH / CONNACK. */
    private byte[] authData;
    private String pendingClientId;
    private String connectUser;
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
        this.publishBucket = limits.publishBucket();
        this.bytesBucket = limits.bytesBucket();
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
        String method = connect.version().isV5() ? connect.properties().authenticationMethod() : null;
        if (method != null) {
            // MQTT 4.12: enhanced authentication; the user name and password fields play no part in it
            this.authenticator = authenticator;
            this.clientInfo = new ClientInfo(remote, peerCertificates.get());
            this.authMethod = method;
            this.pendingClientId = clientId;
            this.connectUser = connect.username();
            exchange = authenticator.enhancedAuthentication(method, clientInfo);
            if (exchange == null) {
                // MQTT-4.12.0-1: an unsupported method gets 0x8C and the connection is closed
                metrics.rejected("auth.bad-method");
                log.warn("login failed: client id '{}' from {}: authentication method '{}' not supported", clientId, remote, method);
                return refuse(ReasonCode.BAD_AUTHENTICATION_METHOD, "authentication method not supported");
            }
            return step(exchange.respond(connect.properties().authenticationData()), false);
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

    /**
     * An AUTH packet from the client, while connecting (after a CONNECT with an Authentication Method) or, once
     * connected, to re-authenticate (MQTT 4.12.1). Returns CONTINUE_AUTHENTICATION (send AUTH 0x18 with
     * {@link #authProperties()}), SUCCESS (send the CONNACK, or AUTH 0x00 after a re-authentication), or the reason
     * to refuse the CONNECT / close the connection with, {@link #refusal()} saying why.
     */
    ReasonCode authenticate(MqttPacket.Auth auth) {
        String method = auth.properties().authenticationMethod();
        boolean connecting = identity == null;
        if (authMethod == null) {
            // MQTT-4.12.0-7: no Authentication Method in the CONNECT, so no AUTH from the client
            return protocolError("AUTH from a client that did not use enhanced authentication");
        }
        if (method == null) return protocolError("AUTH without an Authentication Method");   // MQTT-3.15.2.2.2
        if (!method.equals(authMethod)) {
            // MQTT-4.12.0-5 (while connecting), MQTT-4.12.1-1 (re-authentication): the CONNECT's method only
            if (connecting) return protocolError("AUTH with another Authentication Method than the CONNECT");
            exchange = null;
            metrics.rejected("auth.reauth-failed");
            log.warn("re-authentication failed: client id '{}' from {}: method '{}' differs from the CONNECT's", identity.clientId(), remote, method);
            return refuse(ReasonCode.BAD_AUTHENTICATION_METHOD, "re-authentication with another authentication method");
        }
        if (auth.reasonCode() == ReasonCode.RE_AUTHENTICATE && !connecting && exchange == null) {
            exchange = authenticator.enhancedAuthentication(method, clientInfo);
            if (exchange == null) return refuse(ReasonCode.BAD_AUTHENTICATION_METHOD, "authentication method no longer supported");
            return step(exchange.respond(auth.properties().authenticationData()), true);
        }
        if (auth.reasonCode() == ReasonCode.CONTINUE_AUTHENTICATION && exchange != null) {
            return step(exchange.respond(auth.properties().authenticationData()), !connecting);   // MQTT-4.12.0-3
        }
        return protocolError("unexpected AUTH " + auth.reasonCode() + (exchange == null ? " (no authentication in progress)" : " (authentication in progress)"));
    }

    private ReasonCode step(EnhancedAuthentication.Step s, boolean reauthentication) {
        switch (s.status()) {
            case CONTINUE -> {
                authData = s.data();
                return ReasonCode.CONTINUE_AUTHENTICATION;                                    // MQTT-4.12.0-2
            }
            case SUCCESS -> {
                exchange = null;
                authData = s.data();
                if (!reauthentication && connectUser != null && !connectUser.equals(s.user())) {
                    return enhancedFailure(false, ReasonCode.NOT_AUTHORIZED, "the CONNECT's user name differs from the authenticated one");
                }
                if (reauthentication && !s.user().equals(identity.user())) {
                    // the ACL decisions of this connection were made for its user; another one needs a new connection
                    return enhancedFailure(true, ReasonCode.NOT_AUTHORIZED, "re-authenticated as another user");
                }
                if (!reauthentication) {
                    identity = new ClientIdentity(pendingClientId, s.user(), authenticator.certificateIdentity(clientInfo));
                } else {
                    log.info("client '{}' (user {}) re-authenticated", identity.clientId(), identity.user());
                }
                return ReasonCode.SUCCESS;
            }
            default -> {
                exchange = null;
                return enhancedFailure(reauthentication, s.code(), s.why());
            }
        }
    }

    private ReasonCode enhancedFailure(boolean reauthentication, ReasonCode code, String why) {
        exchange = null;
        authData = null;
        metrics.rejected(reauthentication ? "auth.reauth-failed"
                : code == ReasonCode.BAD_USER_NAME_OR_PASSWORD ? "auth.bad-credentials" : "auth.not-authorized");
        log.warn("{} failed: client id '{}' from {}: {}", reauthentication ? "re-authentication" : "login",
                reauthentication ? identity.clientId() : pendingClientId, remote, why);
        return refuse(code, (reauthentication ? "re-authentication failed: " : "authentication failed: ") + why);
    }

    private ReasonCode protocolError(String why) {
        exchange = null;
        return refuse(ReasonCode.PROTOCOL_ERROR, why);
    }

    /**
     * The Authentication Method and the server's latest Authentication Data, for AUTH packets and the CONNACK
     * (MQTT-4.12.0-5); empty when the client did not use enhanced authentication (MQTT-4.12.0-6).
     */
    io.meshmq.codec.Properties authProperties() {
        if (authMethod == null) return io.meshmq.codec.Properties.EMPTY;
        return io.meshmq.codec.Properties.builder().authenticationMethod(authMethod).authenticationData(authData).build();
    }

    /** Adds the Authentication Method and Data to a CONNACK's properties when enhanced authentication was used. */
    void addAuthProperties(io.meshmq.codec.Properties.Builder b) {
        if (authMethod == null) return;
        b.authenticationMethod(authMethod);
        if (authData != null) b.authenticationData(authData);
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
     * Counts one read (its PUBLISH packets and its {@code bytes}) against the client's budgets. Returns how long to
     * hold back the stream acknowledgement (ms, 0: at once), or -1 when the client is so far over that it must be
     * disconnected.
     */
    long inboundDelayMillis(List<MqttPacket> packets, long bytes) {
        if (publishBucket == null && bytesBucket == null) return 0;
        int n = 0;
        if (publishBucket != null) for (MqttPacket p : packets) if (p instanceof MqttPacket.Publish) n++;
        Limits.Throttle t = limits.throttle(publishBucket, n, bytesBucket, bytes);
        if (t.reason() != null) metrics.rejected("limit." + t.reason());
        return t.delayMillis();
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
