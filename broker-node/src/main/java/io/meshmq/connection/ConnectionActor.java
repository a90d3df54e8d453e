package io.meshmq.connection;

import io.meshmq.codec.MalformedPacketException;
import io.meshmq.codec.MqttDecoder;
import io.meshmq.codec.MqttEncoder;
import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.MqttPacket.Connect;
import io.meshmq.codec.MqttPacket.Publish;
import io.meshmq.codec.Properties;
import io.meshmq.codec.ProtocolVersion;
import io.meshmq.codec.QoS;
import io.meshmq.codec.ReasonCode;
import io.meshmq.routing.ApplicationMessage;
import io.meshmq.routing.DeliveryAck;
import io.meshmq.routing.Router;
import io.meshmq.session.SessionEntity;
import io.meshmq.session.SessionState;
import io.meshmq.session.ToConnection;
import io.meshmq.topic.Topics;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client's network connection (MQTT 3.1.4, 4.8, 4.9): decodes what the socket brings, enforces the connection
 * rules (CONNECT first and once, keep-alive, receive maximum, topic aliases, maximum packet size), routes the
 * client's PUBLISH packets and answers them once their targets hold them, and encodes what the session sends.
 * It lives on the node that holds the socket; the session may be anywhere, so they talk by messages only.
 */
public final class ConnectionActor extends AbstractBehavior<ConnectionCommand> {
    private static final Logger log = LoggerFactory.getLogger(ConnectionActor.class);
    private static final AtomicLong CONNECTION_IDS = new AtomicLong(System.currentTimeMillis() << 16);

    // ---- messages from the transport and timers ------------------------------------------------------------

    /** Stream has started; {@code ackTo} receives {@link StreamAck} after each chunk (backpressure). */
    public record StreamInit(ActorRef<StreamAck> ackTo) implements ConnectionCommand {}

    public record Received(ByteString bytes, ActorRef<StreamAck> ackTo) implements ConnectionCommand {}

    /** The socket closed (failure null) or failed. */
    public record StreamClosed(Throwable failure) implements ConnectionCommand {}

    public enum StreamAck { INSTANCE }

    /** Ask this connection to disconnect its client (shutdown: MQTT 5 reason 0x8B). */
    public record Shutdown(ReasonCode reason) implements ConnectionCommand {}

    /** The session incarnation this connection is attached to stopped (see {@link ToConnection.SessionAttached}). */
    private record SessionStopped(long connectionId) implements ConnectionCommand {}

    /** The node keeping this client's will (see {@link #watchSession}) is gone: keep it on another one. */
    private record WillWatchLost(ActorRef<io.meshmq.cluster.WillWatch.Command> willWatch) implements ConnectionCommand {}

    private enum Tick implements ConnectionCommand { CONNECT_TIMEOUT, KEEP_ALIVE, RETRY_WRITE, DELIVERY_CHECK, LINGER, RESUME }

    public static Behavior<ConnectionCommand> create(BrokerServices broker, BoundedSourceQueue<ByteString> out,
                                                     String remote) {
        return create(broker, out, remote, List::of);
    }

    /** {@code peerCertificates}: the TLS client certificate chain, known once the handshake is done (empty: none). */
    public static Behavior<ConnectionCommand> create(BrokerServices broker, BoundedSourceQueue<ByteString> out, String remote,
                                                     java.util.function.Supplier<List<java.security.cert.X509Certificate>> peerCertificates) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new ConnectionActor(ctx, timers, broker, out, remote,
                new ConnectionGuard(io.meshmq.auth.Security.get(ctx.getSystem()), broker.metrics(), remote, peerCertificates))));
    }

    /** AUTHENTICATING: a CONNECT with an Authentication Method, its AUTH exchange under way (MQTT 4.12). */
    private enum Phase { AWAIT_CONNECT, AUTHENTICATING, ATTACHING, CONNECTED, CLOSED }

    private final TimerScheduler<ConnectionCommand> timers;
    private final BrokerServices broker;
    private final ConnectionSettings settings;
    private final BoundedSourceQueue<ByteString> out;
    private final String remote;
    private final MqttDecoder decoder;
    private final ArrayDeque<ByteString> overflow = new ArrayDeque<>();
    /**
     * Most writes the overflow holds: a full receive window of QoS 1/2 messages (65,535 packet ids at most) and a
     * queue's worth of control packets. Beyond it the client is not reading the answers to its own packets (a PINGREQ
     * flood costs it 2 bytes each), and buffering them would take the broker's heap: the connection is closed.
     */
    private static final int OVERFLOW_WINDOW = 65_535;
    private final ConnectionGuard guard;
    /** While a session batch is being encoded: its bytes, whether any must not be dropped, aliases it sets. */
    private org.apache.pekko.util.ByteStringBuilder batch;
    private boolean batchRequired;
    private final List<String> batchAliases = new ArrayList<>();

    private Phase phase = Phase.AWAIT_CONNECT;
    private ProtocolVersion version = ProtocolVersion.MQTT_3_1_1;
    private String clientId;
    private long connectionId;
    private ApplicationMessage will;
    /** Where this connection's will is also kept while its session is on this node (see cluster.WillWatch). */
    private ActorRef<io.meshmq.cluster.WillWatch.Command> willWatch;
    private long willDelay;
    private long sessionExpiry;
    private int keepAlive;
    private long lastReceivedNanos = System.nanoTime();
    private boolean problemInformation = true;
    private long clientMaxPacketSize = Long.MAX_VALUE;
    private TopicAliases aliases;
    private final List<MqttPacket> pendingWhileAttaching = new ArrayList<>();

    /** Inbound QoS 2 packet ids the session holds (awaiting PUBREL) or that are being routed now. */
    private final Set<Integer> inboundQos2 = new HashSet<>();
    private final Set<Integer> inboundQos2InProgress = new HashSet<>();
    /** Inbound QoS 1/2 publications not yet answered with PUBACK / PUBCOMP, for Receive Maximum (MQTT-3.3.4-7). */
    private int inboundUnacked;
    /** Inbound QoS 2 ids counted in inboundUnacked until their PUBCOMP (not those inherited from an earlier connection). */
    private final Set<Integer> inboundQos2Counted = new HashSet<>();

    /** PUBLISH batches waiting for their targets, answered in arrival order (MQTT-4.6.0-2/-3). */
    private final ArrayDeque<PendingBatch> pendingBatches = new ArrayDeque<>();
    private long nextCorrelation;
    /** In a cluster: node losses, after which unanswered deliveries are sent again (see onDeliveryCheck); else null. */
    private final io.meshmq.cluster.MemberRemovals removals;

    private ConnectionActor(ActorContext<ConnectionCommand> ctx, TimerScheduler<ConnectionCommand> timers,
                            BrokerServices broker, BoundedSourceQueue<ByteString> out, String remote, ConnectionGuard guard) {
        super(ctx);
        this.guard = guard;
        this.timers = timers;
        this.broker = broker;
        this.settings = broker.connectionSettings();
        this.out = out;
        this.remote = remote;
        this.decoder = new MqttDecoder(settings.maxPacketSize());
        this.removals = io.meshmq.cluster.MemberRemovals.enabled(ctx.getSystem())
                ? io.meshmq.cluster.MemberRemovals.get(ctx.getSystem()) : null;
        broker.metrics().connectionOpened();
        broker.connections().add(ctx.getSelf());
        timers.startSingleTimer(Tick.CONNECT_TIMEOUT, Tick.CONNECT_TIMEOUT, settings.connectTimeout());
    }

    @Override
    public Receive<ConnectionCommand> createReceive() {
        return newReceiveBuilder()
                .onMessage(StreamInit.class, m -> { m.ackTo().tell(StreamAck.INSTANCE); return this; })
                .onMessage(Received.class, this::onReceived)
                .onMessage(StreamClosed.class, this::onStreamClosed)
                .onMessage(ToConnection.SendPublish.class, this::onSendPublish)
                .onMessage(ToConnection.Batch.class, this::onBatch)
                .onMessage(ToConnection.SendPubRel.class, m -> send(new MqttPacket.PubRel(m.packetId(), ReasonCode.SUCCESS, Properties.EMPTY)))
                .onMessage(ToConnection.SendSubAck.class, m -> send(new MqttPacket.SubAck(m.packetId(), guard.subAckCodes(m.packetId(), m.reasonCodes()), Properties.EMPTY)))
                .onMessage(ConnectionGuard.DelayedAck.class, m -> { m.ackTo().tell(StreamAck.INSTANCE); return this; })
                .onMessage(ToConnection.SendUnsubAck.class, m -> send(new MqttPacket.UnsubAck(m.packetId(),
                        version.isV5() ? m.reasonCodes() : List.of(), Properties.EMPTY)))
                .onMessage(ToConnection.SessionAttached.class, this::onAttached)
                .onMessage(ToConnection.InboundStoredAck.class, this::onInboundStored)
                .onMessage(ToConnection.InboundReleasedAck.class, m -> {
                    inboundQos2.remove(m.packetId());
                    if (inboundQos2Counted.remove(m.packetId())) inboundUnacked--;   // MQTT 4.9: freed by PUBCOMP
                    return send(new MqttPacket.PubComp(m.packetId(), ReasonCode.SUCCESS, Properties.EMPTY));
                })
                .onMessage(SessionStopped.class, this::onSessionStopped)
                .onMessage(WillWatchLost.class, this::onWillWatchLost)
                .onMessage(ToConnection.TakenOver.class, m -> disconnect(ReasonCode.SESSION_TAKEN_OVER, "session taken over", true))
                .onMessage(DeliveryAck.class, this::onDeliveryAck)
                .onMessage(Shutdown.class, m -> disconnect(m.reason(), "server shutting down", true))
                .onMessageEquals(Tick.CONNECT_TIMEOUT, this::onConnectTimeout)
                .onMessageEquals(Tick.KEEP_ALIVE, this::onKeepAliveTick)
                .onMessageEquals(Tick.RETRY_WRITE, () -> { drainOverflow(); return this; })
                .onMessageEquals(Tick.DELIVERY_CHECK, this::onDeliveryCheck)
                .onMessageEquals(Tick.LINGER, Behaviors::stopped)
                .onMessageEquals(Tick.RESUME, this::onResumeTick)
                .onSignal(PostStop.class, s -> { onStopped(); return this; })
                .build();
    }

    // ---- inbound -------------------------------------------------------------------------------------------

    private Behavior<ConnectionCommand> onReceived(Received r) {
        if (phase == Phase.CLOSED) { r.ackTo().tell(StreamAck.INSTANCE); return this; }
        List<MqttPacket> packets;
        try {
            packets = decoder.decode(r.bytes().asByteBuffer());
        } catch (MalformedPacketException e) {
            r.ackTo().tell(StreamAck.INSTANCE);
            return protocolError(e.reasonCode(), e.getMessage());
        }
        // MQTT-3.1.2-24 counts control packets: bytes of a packet never completed (a slowloris) do not keep it alive
        if (!packets.isEmpty()) lastReceivedNanos = System.nanoTime();
        List<ApplicationMessage> batch = null;
        List<Response> responses = null;
        for (MqttPacket p : packets) {
            if (phase == Phase.CLOSED) break;
            if (phase == Phase.ATTACHING) {
                pendingWhileAttaching.add(p);
                continue;
            }
            if (p instanceof Publish pub && phase == Phase.CONNECTED) {
                if (batch == null) { batch = new ArrayList<>(); responses = new ArrayList<>(); }
                acceptPublish(pub, batch, responses);
            } else {
                if (batch != null) { routeBatch(batch, responses); batch = null; responses = null; }
                handle(p);
            }
        }
        if (batch != null && phase == Phase.CONNECTED) routeBatch(batch, responses);
        // inbound publish and byte rates: a client over its budget is read more slowly (TCP backpressure)
        long delay = phase == Phase.CONNECTED ? guard.inboundDelayMillis(packets, r.bytes().size()) : 0;
        if (delay > 0) timers.startSingleTimer(ConnectionGuard.DelayedAck.class, new ConnectionGuard.DelayedAck(r.ackTo()), Duration.ofMillis(delay));
        else r.ackTo().tell(StreamAck.INSTANCE);
        if (delay < 0) return disconnect(ReasonCode.MESSAGE_RATE_TOO_HIGH, "publish or byte rate too high", true);
        return this;
    }

    private void handle(MqttPacket p) {
        if (phase == Phase.AWAIT_CONNECT) {
            if (p instanceof Connect c) onConnect(c);
            else protocolError(ReasonCode.PROTOCOL_ERROR, "first packet must be CONNECT"); // MQTT-3.1.0-1
            return;
        }
        if (phase == Phase.AUTHENTICATING) {
            if (p instanceof MqttPacket.Auth a) onAuth(a);
            else if (p instanceof MqttPacket.Disconnect) close();
            // MQTT-3.1.2-30: with enhanced authentication only AUTH or DISCONNECT until the CONNACK
            else protocolError(ReasonCode.PROTOCOL_ERROR, "packet other than AUTH or DISCONNECT during authentication");
            return;
        }
        if (p instanceof Connect) {
            protocolError(ReasonCode.PROTOCOL_ERROR, "second CONNECT");                 // MQTT-3.1.0-2
        } else if (p instanceof Publish pub) {
            List<ApplicationMessage> batch = new ArrayList<>(1);
            List<Response> responses = new ArrayList<>(1);
            acceptPublish(pub, batch, responses);
            routeBatch(batch, responses);
        } else if (p instanceof MqttPacket.PubAck a) {
            tellSession(new SessionEntity.PubAckReceived(connectionId, a.packetId()));
        } else if (p instanceof MqttPacket.PubRec rec) {
            tellSession(new SessionEntity.PubRecReceived(connectionId, rec.packetId(), rec.reasonCode().isError()));
        } else if (p instanceof MqttPacket.PubComp comp) {
            tellSession(new SessionEntity.PubCompReceived(connectionId, comp.packetId()));
        } else if (p instanceof MqttPacket.PubRel rel) {
            onPubRel(rel);
        } else if (p instanceof MqttPacket.Subscribe s) {
            onSubscribe(s);
        } else if (p instanceof MqttPacket.Unsubscribe u) {
            tellSession(new SessionEntity.UnsubscribeRequest(connectionId, u.packetId(), u.filters()));
        } else if (p instanceof MqttPacket.PingReq) {
            send(MqttPacket.PingResp.INSTANCE);                                         // MQTT-3.12.4-1
        } else if (p instanceof MqttPacket.Disconnect d) {
            onDisconnect(d);
        } else if (p instanceof MqttPacket.Auth a) {
            onAuth(a);
        } else {
            // CONNACK, SUBACK, UNSUBACK, PINGRESP go from server to client only
            protocolError(ReasonCode.PROTOCOL_ERROR, "unexpected " + p.getClass().getSimpleName());
        }
    }

    // ---- CONNECT ---------------------------------------------------------------------------------------------

    private void onConnect(Connect c) {
        timers.cancel(Tick.CONNECT_TIMEOUT);
        version = c.version();
        String id = c.clientId();
        boolean assigned = false;
        if (id.isEmpty()) {
            if (!version.isV5() && !c.cleanStart()) {
                // MQTT-3.1.3-8: a zero-byte client id with Clean Session 0 is rejected with return code 0x02
                rejectConnect(ReasonCode.CLIENT_IDENTIFIER_NOT_VALID, "empty client id needs clean session");
                return;
            }
            id = "auto-" + UUID.randomUUID();                                     // MQTT-3.1.3-6
            assigned = true;
        }
        if (id.length() > settings.maxClientIdLength()) {
            rejectConnect(ReasonCode.CLIENT_IDENTIFIER_NOT_VALID, "client id too long");
            return;
        }
        if (id.equals("$SYS")) {
            // the broker's own publisher id ($SYS statistics are exempt from the retained limits): not for clients
            rejectConnect(ReasonCode.CLIENT_IDENTIFIER_NOT_VALID, "client id reserved by the broker");
            return;
        }
        ReasonCode auth = guard.admit(broker.authenticator(), c, id);
        if (auth == ReasonCode.CONTINUE_AUTHENTICATION) {
            // MQTT 4.12: the exchange goes on in AUTH packets; the connect timeout bounds it as a whole
            authenticating = c;
            authenticatingId = id;
            authenticatingIdAssigned = assigned;
            phase = Phase.AUTHENTICATING;
            timers.startSingleTimer(Tick.CONNECT_TIMEOUT, Tick.CONNECT_TIMEOUT, settings.connectTimeout());
            send(new MqttPacket.Auth(ReasonCode.CONTINUE_AUTHENTICATION, guard.authProperties()));
            return;
        }
        if (auth != ReasonCode.SUCCESS) {
            rejectConnect(auth, guard.refusal());
            return;
        }
        accept(c, id, assigned);
    }

    /** The CONNECT being authenticated in AUTH packets, and the client id it will get. */
    private Connect authenticating;
    private String authenticatingId;
    private boolean authenticatingIdAssigned;

    /**
     * An AUTH packet: the next step of the enhanced authentication of a CONNECT, or of a re-authentication once
     * connected (MQTT 4.12.1, meanwhile the connection works as authenticated before). The exchange itself is
     * {@link ConnectionGuard#authenticate}'s.
     */
    private void onAuth(MqttPacket.Auth a) {
        ReasonCode r = guard.authenticate(a);
        if (r == ReasonCode.CONTINUE_AUTHENTICATION) {
            send(new MqttPacket.Auth(ReasonCode.CONTINUE_AUTHENTICATION, guard.authProperties()));
        } else if (r == ReasonCode.SUCCESS && phase == Phase.AUTHENTICATING) {
            timers.cancel(Tick.CONNECT_TIMEOUT);
            Connect c = authenticating;
            authenticating = null;
            accept(c, authenticatingId, authenticatingIdAssigned);
        } else if (r == ReasonCode.SUCCESS) {
            send(new MqttPacket.Auth(ReasonCode.SUCCESS, guard.authProperties()));
        } else if (r == ReasonCode.PROTOCOL_ERROR) {
            protocolError(r, guard.refusal());
        } else if (phase == Phase.AUTHENTICATING) {
            rejectConnect(r, guard.refusal());                                    // MQTT-4.12.0-4
        } else {
            disconnect(r, guard.refusal(), true);                                 // MQTT-4.12.1-2
        }
    }

    /** Admission done: the connection takes the client id and attaches to its session. */
    private void accept(Connect c, String id, boolean assigned) {
        Properties props = c.properties();
        clientId = id;
        connectionId = CONNECTION_IDS.incrementAndGet();
        if (version.isV5()) {
            sessionExpiry = props.sessionExpiryInterval() == null ? 0 : props.sessionExpiryInterval();
            if (props.requestProblemInformation() != null) problemInformation = props.requestProblemInformation() == 1;
            if (props.maximumPacketSize() != null) clientMaxPacketSize = props.maximumPacketSize();
        } else {
            sessionExpiry = c.cleanStart() ? 0 : SessionState.NEVER_EXPIRES;
        }
        clientReceiveMax = version.isV5() && props.receiveMaximum() != null ? props.receiveMaximum() : 65535;
        int clientAliasMax = version.isV5() && props.topicAliasMaximum() != null ? props.topicAliasMaximum() : 0;
        aliases = new TopicAliases(version.isV5() ? settings.topicAliasMaximum() : 0, clientAliasMax);
        keepAlive = c.keepAlive();
        Integer serverKeepAlive = null;
        if (settings.maxKeepAlive() > 0 && (keepAlive == 0 || keepAlive > settings.maxKeepAlive()) && version.isV5()) {
            keepAlive = settings.maxKeepAlive();                                  // MQTT-3.2.2-21
            serverKeepAlive = keepAlive;
        }
        if (c.will() != null) {
            will = ApplicationMessage.fromWill(c.will(), clientId, System.currentTimeMillis());
            Long delay = c.will().properties().willDelayInterval();
            willDelay = delay == null ? 0 : delay;
        }
        connackProperties = connackProperties(assigned ? id : null, serverKeepAlive);
        phase = Phase.ATTACHING;
        tellSession(new SessionEntity.Attach(connectionId, getContext().getSelf(), c.cleanStart(), sessionExpiry,
                clientReceiveMax, guard.allowedWill(will), willDelay));
    }

    private Properties connackProperties;
    private int clientReceiveMax = 65535;
    /** A re-Attach to the session's next incarnation is on its way (see onSessionStopped). */
    private boolean resuming;

    /** Watches the session incarnation, and keeps the will on another node if the session is on this one. */
    private void watchSession(ToConnection.SessionAttached a) {
        if (a.session() == null) return;
        getContext().watchWith(a.session(), new SessionStopped(connectionId));
        dropWillWatch();
        // a session on this node dies with it: then another node must be able to publish the will
        if (will != null && a.session().path().address().hasLocalScope()) keepWillElsewhere(null);
    }

    /** Hands the would-be Detach (with the will) to another node's WillWatch, not {@code not} (one that is gone). */
    private void keepWillElsewhere(ActorRef<io.meshmq.cluster.WillWatch.Command> not) {
        if (!io.meshmq.cluster.WillWatch.enabled(getContext().getSystem())) return;
        io.meshmq.cluster.WillWatch.get(getContext().getSystem()).elsewhere(clientId, not).ifPresent(w -> {
            willWatch = w;
            // if that node dies first, the will must move on, or it would be lost when this node dies too
            getContext().watchWith(w, new WillWatchLost(w));
            w.tell(new io.meshmq.cluster.WillWatch.Watch(getContext().getSelf(), clientId,
                    new SessionEntity.Detach(connectionId, guard.allowedWill(will), willDelay, sessionExpiry)));
        });
    }

    private void dropWillWatch() {
        if (willWatch == null) return;
        getContext().unwatch(willWatch);
        willWatch.tell(new io.meshmq.cluster.WillWatch.Unwatch(getContext().getSelf()));
        willWatch = null;
    }

    private Behavior<ConnectionCommand> onWillWatchLost(WillWatchLost lost) {
        if (!lost.willWatch().equals(willWatch) || phase != Phase.CONNECTED) return this;
        willWatch = null;
        log.info("client {}: the node keeping its will left; keeping it on another node", clientId);
        keepWillElsewhere(lost.willWatch());
        return this;
    }

    private Properties connackProperties(String assignedId, Integer serverKeepAlive) {
        if (!version.isV5()) return Properties.EMPTY;
        Properties.Builder b = Properties.builder()
                .receiveMaximum(settings.receiveMaximum())
                .topicAliasMaximum(settings.topicAliasMaximum())
                .maximumPacketSize((long) settings.maxPacketSize())
                .retainAvailable(1)
                .wildcardSubscriptionAvailable(1)
                .subscriptionIdentifierAvailable(1)
                .sharedSubscriptionAvailable(1);
        if (assignedId != null) b.assignedClientIdentifier(assignedId);
        if (serverKeepAlive != null) b.serverKeepAlive(serverKeepAlive);
        guard.addAuthProperties(b);                                               // MQTT-4.12.0-5
        return b.build();
    }

    private Behavior<ConnectionCommand> onAttached(ToConnection.SessionAttached a) {
        if (phase == Phase.CONNECTED && resuming) {
            // the session's next incarnation took this connection over (see onSessionStopped): nothing to tell the client
            resuming = false;
            timers.cancel(Tick.RESUME);
            inboundQos2.addAll(a.inboundQos2());
            watchSession(a);
            log.info("client {}: continues with its session at {}", clientId, a.session() == null ? "?" : a.session().path().address());
            return this;
        }
        if (phase != Phase.ATTACHING) return this;
        inboundQos2.addAll(a.inboundQos2());
        watchSession(a);
        send(new MqttPacket.ConnAck(a.sessionPresent(), ReasonCode.SUCCESS, connackProperties));
        phase = Phase.CONNECTED;
        log.info("client {} connected from {} ({}, keep-alive {}s, session expiry {}, session present {})",
                clientId, remote, version, keepAlive, sessionExpiry, a.sessionPresent());
        if (keepAlive > 0) {
            // MQTT-3.1.2-24: one and a half times the keep-alive without a packet closes the connection
            timers.startTimerWithFixedDelay(Tick.KEEP_ALIVE, Tick.KEEP_ALIVE, Duration.ofMillis(Math.max(250, keepAlive * 250L)));
        }
        timers.startTimerWithFixedDelay(Tick.DELIVERY_CHECK, Tick.DELIVERY_CHECK, Duration.ofSeconds(1));
        List<MqttPacket> pending = new ArrayList<>(pendingWhileAttaching);
        pendingWhileAttaching.clear();
        for (MqttPacket p : pending) {
            if (phase != Phase.CONNECTED) break;
            handle(p);
        }
        return this;
    }

    private void rejectConnect(ReasonCode reason, String why) {
        log.info("connection from {} refused: {} ({})", remote, why, reason);
        broker.metrics().rejected(reason.name().toLowerCase());
        send(new MqttPacket.ConnAck(false, reason, Properties.EMPTY));
        close();
    }

    private Behavior<ConnectionCommand> onConnectTimeout() {
        if (phase == Phase.AWAIT_CONNECT || phase == Phase.AUTHENTICATING) {
            log.info("connection from {} closed: {} within {}", remote,
                    phase == Phase.AWAIT_CONNECT ? "no CONNECT" : "authentication not completed", settings.connectTimeout());
            broker.metrics().rejected("connect-timeout");
            close();
        }
        return this;
    }

    private Behavior<ConnectionCommand> onKeepAliveTick() {
        if (phase != Phase.CONNECTED || keepAlive == 0) return this;
        long idle = System.nanoTime() - lastReceivedNanos;
        if (idle > keepAlive * 1_500_000_000L) {
            return disconnect(ReasonCode.KEEP_ALIVE_TIMEOUT, "keep-alive timeout", false);
        }
        return this;
    }

    // ---- PUBLISH from the client -------------------------------------------------------------------------------

    /**
     * A response owed to the client once a batch's targets hold its messages; {@code message} is the PUBLISH's
     * position in the routed batch (-1: not routed), which the retained store names when it has no room for it.
     */
    private record Response(QoS qos, int packetId, ReasonCode denied, int message) {}

    private static final class PendingBatch {
        /** The batch's id: correlation ids of its acknowledgements are this plus a delivery's number (Router.DELIVERY_BITS). */
        final long correlation;
        int remaining;
        final List<Response> responses;
        /** Since when the batch waits: when it was routed, or re-sent. */
        long sinceNanos = System.nanoTime();
        /** Positions of retained messages the retained store did not keep (broker.limits.max-retained-*); null: none. */
        Set<Integer> notRetained;
        /** In a cluster: the deliveries not answered yet, by correlation id, to send again after a node loss; else null. */
        final Map<Long, Router.SentDelivery> unanswered;
        /** {@link MemberRemovals#count()} when the deliveries in {@link #unanswered} were last sent. */
        long removalsAtSend;

        PendingBatch(long correlation, int remaining, List<Response> responses, Map<Long, Router.SentDelivery> unanswered,
                     long removalsAtSend) {
            this.correlation = correlation;
            this.remaining = remaining;
            this.responses = responses;
            this.unanswered = unanswered;
            this.removalsAtSend = removalsAtSend;
        }
    }

    private void acceptPublish(Publish p, List<ApplicationMessage> batch, List<Response> responses) {
        Integer alias = p.properties().topicAlias();
        String topic = aliases.resolveInbound(p.topic(), alias);
        if (topic == null) {
            if (aliases.isInboundAliasOutOfRange(alias)) protocolError(ReasonCode.TOPIC_ALIAS_INVALID, "topic alias out of range");
            else protocolError(ReasonCode.PROTOCOL_ERROR, "unknown topic alias");
            return;
        }
        if (!Topics.isValidName(topic) || !guard.topicWithinLimits(topic)) {
            protocolError(ReasonCode.TOPIC_NAME_INVALID, "invalid topic name");
            return;
        }
        if (!guard.mayPublish(topic)) {
            // MQTT 5: PUBACK/PUBREC 0x87; 3.1.1 has no negative acknowledgement: dropped, still acknowledged
            if (p.qos() != QoS.AT_MOST_ONCE) responses.add(new Response(p.qos(), p.packetId(),
                    version.isV5() ? ReasonCode.NOT_AUTHORIZED : ReasonCode.SUCCESS, -1));
            return;
        }
        if (p.qos() != QoS.AT_MOST_ONCE) {
            if (p.qos() == QoS.EXACTLY_ONCE && (inboundQos2.contains(p.packetId()) || inboundQos2InProgress.contains(p.packetId()))) {
                // MQTT 4.3.3 method B: a re-sent PUBLISH before PUBREL is not delivered again
                if (inboundQos2.contains(p.packetId())) responses.add(new Response(QoS.EXACTLY_ONCE, p.packetId(), null, -1));
                return;
            }
            if (++inboundUnacked > settings.receiveMaximum()) {
                protocolError(ReasonCode.RECEIVE_MAXIMUM_EXCEEDED, "receive maximum exceeded");  // MQTT-3.3.4-7
                return;
            }
            if (p.qos() == QoS.EXACTLY_ONCE) inboundQos2InProgress.add(p.packetId());
            responses.add(new Response(p.qos(), p.packetId(), null, batch.size()));   // the message goes in at batch.size()
        }
        broker.metrics().messageIn(p.payload().length);
        batch.add(ApplicationMessage.from(p, topic, clientId, System.currentTimeMillis()));
    }

    private void routeBatch(List<ApplicationMessage> batch, List<Response> responses) {
        if (phase != Phase.CONNECTED) return;
        long correlation = (++nextCorrelation) << Router.DELIVERY_BITS;
        boolean resendable = removals != null && !responses.isEmpty();
        Router.Routed routed = batch.isEmpty() ? new Router.Routed(0, List.of()) : broker.router().route(batch,
                responses.isEmpty() ? null : getContext().getSelf().narrow(), correlation, resendable);
        if (responses.isEmpty()) return;
        Map<Long, Router.SentDelivery> unanswered = null;
        if (resendable) {
            unanswered = new HashMap<>(Math.max(4, routed.deliveries().size() * 2));
            for (Router.SentDelivery d : routed.deliveries()) unanswered.put(d.correlationId(), d);
        }
        pendingBatches.add(new PendingBatch(correlation, routed.acks(), responses, unanswered,
                removals == null ? 0 : removals.count()));
        answerCompletedBatches();
    }

    /** Sharding learns that a removed node's shards need a new home within moments of the removal; wait this long. */
    private static final long RESEND_AFTER_REMOVAL_NANOS = Duration.ofSeconds(2).toNanos();

    /**
     * A delivery sent to a session on a node that died is lost with it. Once a member was removed after a batch's
     * deliveries were sent, the ones not answered yet are sent again, once per removal, to the session's next home
     * (sharding holds them until the shard is allocated there): the publisher stays connected and the subscribers
     * that did answer do not get the message twice. (A target that held the message but died before answering gets
     * it twice: QoS 1 allows it; for QoS 2 that is the one message in flight at the crash.)
     *
     * <p>A target that never answers (its journal is down) must not hold the client's acknowledgements forever: after
     * broker.connection.delivery-timeout the connection closes, and the client re-sends what was not acknowledged.
     */
    private Behavior<ConnectionCommand> onDeliveryCheck() {
        long now = System.nanoTime();
        if (removals != null && !pendingBatches.isEmpty()) {
            long count = removals.count();
            if (now - removals.lastRemovalNanos() >= RESEND_AFTER_REMOVAL_NANOS) {
                for (PendingBatch b : pendingBatches) {
                    if (b.unanswered == null || b.removalsAtSend == count) continue;
                    b.removalsAtSend = count;
                    if (b.unanswered.isEmpty()) continue;
                    for (Router.SentDelivery d : b.unanswered.values()) broker.router().redeliver(d, getContext().getSelf().narrow());
                    b.sinceNanos = now;
                    broker.metrics().redelivered(b.unanswered.size());
                }
            }
        }
        PendingBatch head = pendingBatches.peekFirst();
        if (head != null && now - head.sinceNanos > settings.deliveryTimeout().toNanos()) {
            broker.metrics().rejected("delivery-timeout");
            return disconnect(ReasonCode.UNSPECIFIED_ERROR, "delivery timed out", true);
        }
        return this;
    }

    private Behavior<ConnectionCommand> onDeliveryAck(DeliveryAck ack) {
        long batch = ack.correlationId() & ~Router.DELIVERY_MASK;
        for (PendingBatch b : pendingBatches) {
            if (b.correlation == batch) {
                // a re-sent delivery can be answered twice (the first one was slow, not lost): count it once
                if (b.unanswered == null || ack.correlationId() == batch || b.unanswered.remove(ack.correlationId()) != null) {
                    b.remaining--;
                }
                if (ack.notRetained() != null) {
                    if (b.notRetained == null) b.notRetained = new HashSet<>();
                    b.notRetained.add(ack.notRetained());
                }
                break;
            }
        }
        answerCompletedBatches();
        return this;
    }

    private void answerCompletedBatches() {
        while (!pendingBatches.isEmpty() && pendingBatches.peekFirst().remaining <= 0) {
            PendingBatch batch = pendingBatches.pollFirst();
            for (Response r : batch.responses) {
                if (r.denied() != null) {   // not routed (ACL): answered in order, not counted in Receive Maximum
                    send(r.qos() == QoS.AT_LEAST_ONCE ? new MqttPacket.PubAck(r.packetId(), r.denied(), Properties.EMPTY)
                            : new MqttPacket.PubRec(r.packetId(), r.denied(), Properties.EMPTY));
                } else if (version.isV5() && batch.notRetained != null && batch.notRetained.contains(r.message())) {
                    // delivered to the subscribers but not retained (retained limits): MQTT 5 says so with 0x97;
                    // a PUBREC >= 0x80 ends the QoS 2 flow (MQTT 4.3.3), so the id is not kept and no PUBREL comes.
                    // 3.1.1 has no negative acknowledgement: it gets the plain answer below
                    inboundUnacked--;
                    if (r.qos() == QoS.AT_LEAST_ONCE) {
                        send(new MqttPacket.PubAck(r.packetId(), ReasonCode.QUOTA_EXCEEDED, Properties.EMPTY));
                    } else {
                        inboundQos2InProgress.remove(r.packetId());
                        send(new MqttPacket.PubRec(r.packetId(), ReasonCode.QUOTA_EXCEEDED, Properties.EMPTY));
                    }
                } else if (r.qos() == QoS.AT_LEAST_ONCE) {
                    inboundUnacked--;
                    send(new MqttPacket.PubAck(r.packetId(), ReasonCode.SUCCESS, Properties.EMPTY));
                } else if (inboundQos2.contains(r.packetId())) {
                    send(new MqttPacket.PubRec(r.packetId(), ReasonCode.SUCCESS, Properties.EMPTY));
                } else {
                    // the targets hold the message: now the session remembers the id, then PUBREC goes out
                    tellSession(new SessionEntity.StoreInbound(connectionId, r.packetId()));
                }
            }
        }
    }

    private Behavior<ConnectionCommand> onInboundStored(ToConnection.InboundStoredAck a) {
        inboundQos2InProgress.remove(a.packetId());
        inboundQos2.add(a.packetId());
        // still counted against Receive Maximum until PUBCOMP (MQTT 4.9): a client that never sends PUBREL cannot
        // pile up more than Receive Maximum unreleased messages
        inboundQos2Counted.add(a.packetId());
        return send(new MqttPacket.PubRec(a.packetId(), ReasonCode.SUCCESS, Properties.EMPTY));
    }

    private void onPubRel(MqttPacket.PubRel rel) {
        if (!inboundQos2.contains(rel.packetId()) && !inboundQos2InProgress.contains(rel.packetId())) {
            // MQTT-4.3.3-? : PUBREL for an unknown id is answered with PUBCOMP (0x92 in MQTT 5)
            send(new MqttPacket.PubComp(rel.packetId(),
                    version.isV5() ? ReasonCode.PACKET_IDENTIFIER_NOT_FOUND : ReasonCode.SUCCESS, Properties.EMPTY));
            return;
        }
        tellSession(new SessionEntity.ReleaseInbound(connectionId, rel.packetId()));
    }

    // ---- SUBSCRIBE / DISCONNECT ---------------------------------------------------------------------------------

    private void onSubscribe(MqttPacket.Subscribe s) {
        for (MqttPacket.Subscription sub : s.subscriptions()) {
            if (sub.noLocal() && Topics.isShared(sub.filter())) {
                protocolError(ReasonCode.PROTOCOL_ERROR, "No Local on a shared subscription");  // MQTT-3.8.3-4
                return;
            }
        }
        List<Integer> ids = s.properties().subscriptionIdentifiers();
        int subscriptionId = ids.isEmpty() ? 0 : ids.get(0);
        List<MqttPacket.Subscription> allowed = guard.screen(s);   // topic limits and ACL; the rest is merged into the SUBACK
        if (allowed.isEmpty()) send(new MqttPacket.SubAck(s.packetId(), guard.subAckCodes(s.packetId(), List.of()), Properties.EMPTY));
        else tellSession(new SessionEntity.SubscribeRequest(connectionId, s.packetId(), allowed, subscriptionId));
    }

    private void onDisconnect(MqttPacket.Disconnect d) {
        Long newExpiry = d.properties().sessionExpiryInterval();
        if (newExpiry != null) {
            if (sessionExpiry == 0 && newExpiry != 0) {
                protocolError(ReasonCode.PROTOCOL_ERROR, "session expiry set on DISCONNECT after 0");  // MQTT-3.14.2-2
                return;
            }
            sessionExpiry = newExpiry;
        }
        // MQTT-3.14.4-3: a normal DISCONNECT discards the will; 0x04 asks for it to be published
        if (d.reasonCode() != ReasonCode.DISCONNECT_WITH_WILL_MESSAGE) will = null;
        detach();
        log.info("client {} disconnected", clientId);
        close();
    }

    // ---- outbound ----------------------------------------------------------------------------------------------

    /** Builds one socket write from a session's batch; see {@link #write}. */
    private Behavior<ConnectionCommand> onBatch(ToConnection.Batch b) {
        batch = new org.apache.pekko.util.ByteStringBuilder();
        batchRequired = false;
        batchAliases.clear();
        for (ToConnection c : b.commands()) {
            if (c instanceof ToConnection.SendPublish p) onSendPublish(p);
            else if (c instanceof ToConnection.SendPubRel r) send(new MqttPacket.PubRel(r.packetId(), ReasonCode.SUCCESS, Properties.EMPTY));
        }
        org.apache.pekko.util.ByteStringBuilder built = batch;
        batch = null;
        if (built.length() > 0 && !write(built.result(), !batchRequired)) {
            batchAliases.forEach(aliases::forget);
        }
        return this;
    }

    private Behavior<ConnectionCommand> onSendPublish(ToConnection.SendPublish m) {
        if (phase != Phase.CONNECTED) return this;
        long now = System.currentTimeMillis();
        Publish p = m.message().toPublish(m.qos(), m.retain(), m.dup(), m.packetId(),
                version.isV5() ? m.subscriptionIds() : List.of(), now);
        boolean tooLarge = MqttEncoder.encodedSize(p, version) > clientMaxPacketSize;
        if (tooLarge || !guard.mayDeliver(p.topic())) {
            // MQTT-3.1.2-25: too large for the client; or the ACL forbids the topic: discarded as if sent
            if (tooLarge) broker.metrics().dropped("too-large-for-client");
            if (m.qos() == QoS.AT_LEAST_ONCE) tellSession(new SessionEntity.PubAckReceived(connectionId, m.packetId()));
            if (m.qos() == QoS.EXACTLY_ONCE) tellSession(new SessionEntity.PubRecReceived(connectionId, m.packetId(), true));
            return this;
        }
        boolean droppable = m.qos() == QoS.AT_MOST_ONCE;
        String newAlias = null;
        if (version.isV5()) {
            TopicAliases.Outbound a = aliases.outbound(p.topic());
            if (a.alias() > 0) {
                if (!a.known()) newAlias = p.topic();
                Properties props = p.properties().toBuilder().topicAlias(a.alias()).build();
                p = new Publish(a.known() ? "" : p.topic(), p.qos(), p.retain(), p.dup(), p.packetId(), p.payload(), props);
            }
        }
        if (batch != null) {
            batch.putBytes(MqttEncoder.encode(p, version));
            batchRequired |= !droppable;
            if (newAlias != null) batchAliases.add(newAlias);
            broker.metrics().messageOut(p.payload().length);
        } else if (write(ByteString.fromArrayUnsafe(MqttEncoder.encode(p, version)), droppable)) {
            broker.metrics().messageOut(p.payload().length);
        } else if (newAlias != null) {
            // the client never saw the alias being set: it must not be used for later packets (MQTT-3.3.2-?)
            aliases.forget(newAlias);
        }
        return this;
    }

    private Behavior<ConnectionCommand> send(MqttPacket packet) {
        if (phase == Phase.CLOSED) return this;
        if (batch != null) {
            batch.putBytes(MqttEncoder.encode(packet, version));
            batchRequired = true;
            return this;
        }
        write(ByteString.fromArrayUnsafe(MqttEncoder.encode(packet, version)), false);
        return this;
    }

    /** Queues bytes for the socket; false when a droppable (QoS 0) packet was dropped for a slow consumer. */
    private boolean write(ByteString bytes, boolean droppable) {
        if (!overflow.isEmpty()) {
            if (droppable) {
                broker.metrics().dropped("qos0-slow-consumer");
                return false;
            }
            return addOverflow(bytes);
        }
        QueueOfferResult r = out.offer(bytes);
        if (r == QueueOfferResult.dropped()) {
            if (droppable) {
                broker.metrics().dropped("qos0-slow-consumer");
                return false;
            }
            // QoS 1/2 and control packets wait here; the session's receive window bounds how many
            if (!addOverflow(bytes)) return false;
            timers.startSingleTimer(Tick.RETRY_WRITE, Tick.RETRY_WRITE, Duration.ofMillis(5));
        }
        return true;
    }

    private boolean addOverflow(ByteString bytes) {
        if (overflow.size() >= OVERFLOW_WINDOW + settings.outboundQueuePackets()) {
            broker.metrics().rejected("slow-consumer");
            log.info("client {} from {} closed: it does not read what the broker sends ({} writes waiting)",
                    clientId == null ? "-" : clientId, remote, overflow.size());
            detach();   // abnormal end: the will is published
            close();
            return false;
        }
        overflow.add(bytes);
        return true;
    }

    private void drainOverflow() {
        while (!overflow.isEmpty()) {
            QueueOfferResult r = out.offer(overflow.peekFirst());
            if (r == QueueOfferResult.dropped()) {
                timers.startSingleTimer(Tick.RETRY_WRITE, Tick.RETRY_WRITE, Duration.ofMillis(5));
                return;
            }
            overflow.pollFirst();
            if (r != QueueOfferResult.enqueued()) { overflow.clear(); return; }
        }
    }

    // ---- closing -----------------------------------------------------------------------------------------------

    /**
     * A protocol violation (MQTT 4.13): MQTT 5 clients hear the reason in a CONNACK (while connecting) or
     * DISCONNECT; 3.x clients are just closed. The will is published (abnormal end).
     */
    private Behavior<ConnectionCommand> protocolError(ReasonCode reason, String why) {
        if (phase == Phase.CLOSED) return this;
        broker.metrics().rejected("protocol-error");
        log.info("client {} from {}: protocol error, closing: {} ({})", clientId == null ? "-" : clientId, remote, why, reason);
        if (phase == Phase.AWAIT_CONNECT || phase == Phase.AUTHENTICATING) {
            ProtocolVersion v = decoder.version();
            if (reason == ReasonCode.UNSUPPORTED_PROTOCOL_VERSION) {
                // MQTT-3.1.2-2: CONNACK 0x01 (3.1.1) / 0x84 (5), written in the version the client can read
                version = v != null && v.isV5() ? ProtocolVersion.MQTT_5 : ProtocolVersion.MQTT_3_1_1;
                send(new MqttPacket.ConnAck(false, reason, Properties.EMPTY));
            } else if (v != null && v.isV5()) {
                version = v;
                send(new MqttPacket.ConnAck(false, reason, reasonProperties(why)));
            }
            close();
            return this;
        }
        return disconnect(reason, why, false);
    }

    private Properties reasonProperties(String why) {
        return problemInformation ? Properties.builder().reasonString(why).build() : Properties.EMPTY;
    }

    /** Ends the connection from the server side; the will is published unless {@code keepWillQuiet}. */
    private Behavior<ConnectionCommand> disconnect(ReasonCode reason, String why, boolean fromServer) {
        if (phase == Phase.CLOSED) return this;
        if (version.isV5() && phase == Phase.CONNECTED) {
            send(new MqttPacket.Disconnect(reason, reasonProperties(why)));        // MQTT-3.14.2-? server DISCONNECT
        }
        if (phase == Phase.CONNECTED || phase == Phase.ATTACHING) {
            log.info("client {} disconnected by the server: {}", clientId, why);
            detach();
        }
        close();
        return this;
    }

    private void detach() {
        dropWillWatch();
        if (clientId != null && connectionId != 0 && phase != Phase.AWAIT_CONNECT) {
            tellSession(new SessionEntity.Detach(connectionId, guard.allowedWill(will), willDelay, sessionExpiry));
            connectionId = 0;
        }
    }

    /**
     * The session's incarnation stopped while this client is connected: its node died or its shard moved to another
     * node (rebalance, a node leaving). A persistent session's next incarnation is recovered from the journal: this
     * connection attaches to it again, unseen by the client (unacknowledged messages come again with DUP, which QoS 1
     * and 2 allow; packet ids are stable). A clean session's state is gone with its incarnation, so its client is
     * disconnected to start again (MQTT 5: 0x80 with the reason).
     */
    private Behavior<ConnectionCommand> onSessionStopped(SessionStopped s) {
        if (s.connectionId() != connectionId || phase != Phase.CONNECTED) return this;
        if (sessionExpiry > 0) {
            log.info("client {}: its session moved to another node; continuing with it there", clientId);
            resuming = true;
            resumeAttempts = 0;
            resumeAttach();
            // the first Attach can still go to the old home (a region learns of a lost node a little after the
            // watch fires) and be lost: send it again until the next incarnation answers
            timers.startTimerWithFixedDelay(Tick.RESUME, Tick.RESUME, RESUME_RETRY);
            return this;
        }
        return disconnect(ReasonCode.UNSPECIFIED_ERROR, "session moved to another node", true);
    }

    private static final Duration RESUME_RETRY = Duration.ofSeconds(2);
    private static final int RESUME_ATTEMPTS = 60;
    private int resumeAttempts;

    private void resumeAttach() {
        resumeAttempts++;
        tellSession(new SessionEntity.Attach(connectionId, getContext().getSelf(), false, sessionExpiry,
                clientReceiveMax, guard.allowedWill(will), willDelay));
    }

    private Behavior<ConnectionCommand> onResumeTick() {
        if (!resuming || phase != Phase.CONNECTED) { timers.cancel(Tick.RESUME); return this; }
        if (resumeAttempts >= RESUME_ATTEMPTS) {
            timers.cancel(Tick.RESUME);
            return disconnect(ReasonCode.UNSPECIFIED_ERROR, "session unreachable", true);
        }
        resumeAttach();
        return this;
    }

    private Behavior<ConnectionCommand> onStreamClosed(StreamClosed s) {
        if (phase == Phase.CONNECTED || phase == Phase.ATTACHING) {
            log.info("client {} connection lost{}", clientId, s.failure() == null ? "" : ": " + s.failure().getMessage());
            detach();   // abnormal end: the will is published (MQTT-3.1.2-8)
        }
        close();
        return Behaviors.stopped();
    }

    private void close() {
        if (phase == Phase.CLOSED) return;
        phase = Phase.CLOSED;
        timers.cancelAll();
        overflow.clear();
        completeOutput();
        // Stay until the socket side ends (StreamClosed): stopping now would cancel the coupled outgoing stream and
        // could drop the CONNACK/DISCONNECT just queued (MQTT-3.1.2-2, MQTT-3.1.4-3, MQTT 4.13). LINGER bounds it.
        timers.startSingleTimer(Tick.LINGER, Tick.LINGER, Duration.ofSeconds(5));
    }

    private void onStopped() {
        if (phase != Phase.CLOSED) {
            detach();
            phase = Phase.CLOSED;
            completeOutput();
        }
        broker.metrics().connectionClosed();
        broker.connections().remove(getContext().getSelf());
    }

    private void completeOutput() {
        try {
            out.complete();
        } catch (IllegalStateException alreadyClosed) {
            // the socket side ended first and took the queue with it
        }
    }

    private void tellSession(SessionEntity.Command command) {
        broker.sessions().tell(clientId, command);
    }
}
