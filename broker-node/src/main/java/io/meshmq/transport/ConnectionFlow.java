package io.meshmq.transport;

import io.meshmq.connection.BrokerServices;
import io.meshmq.connection.ConnectionActor;
import io.meshmq.connection.ConnectionCommand;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSink;
import org.apache.pekko.util.ByteString;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One client connection as a flow of bytes, whatever carries them (TCP, TLS, WebSocket): every materialization
 * starts a {@link ConnectionActor}. Inbound bytes reach the actor with backpressure (one chunk in flight); outbound
 * packets go through a bounded queue and are coalesced into larger writes. The byte chunks need not be aligned with
 * MQTT packets: the decoder is incremental.
 */
public final class ConnectionFlow {
    private ConnectionFlow() {}

    private static final AtomicLong CONNECTIONS = new AtomicLong();

    /** Largest outbound write: packets queued while the socket was busy are sent together, up to this size. */
    static final long MAX_WRITE_BYTES = 256 * 1024;

    /**
     * Starts the connection actor now and returns the flow that feeds it; materialize the flow exactly once.
     * {@code remote} is {@code address:port} (the loopback check of {@code allow-anonymous = localhost} reads it).
     */
    public static Flow<ByteString, ByteString, NotUsed> start(ActorSystem<?> system, BrokerServices services, String remote,
                                                              Supplier<List<X509Certificate>> peerCertificates) {
        int queueSize = services.connectionSettings().outboundQueuePackets();
        Pair<BoundedSourceQueue<ByteString>, Source<ByteString, NotUsed>> out =
                Source.<ByteString>queue(queueSize).preMaterialize(system);
        // Connections live under /system: the user guardian of a typed system cannot be asked synchronously.
        ActorRef<ConnectionCommand> actor = system.systemActorOf(
                ConnectionActor.create(services, out.first(), remote, peerCertificates),
                "mqtt-connection-" + CONNECTIONS.incrementAndGet(), Props.empty());
        Sink<ByteString, NotUsed> in = ActorSink.<ByteString, ConnectionCommand, ConnectionActor.StreamAck>actorRefWithBackpressure(
                actor,
                (ackTo, bytes) -> new ConnectionActor.Received(bytes, ackTo),
                ConnectionActor.StreamInit::new,
                ConnectionActor.StreamAck.INSTANCE,
                new ConnectionActor.StreamClosed(null),
                ConnectionActor.StreamClosed::new);
        Source<ByteString, NotUsed> outgoing = out.second()
                .batchWeighted(MAX_WRITE_BYTES, b -> (long) b.size(), b -> b, ByteString::concat);
        return Flow.fromSinkAndSourceCoupled(in, outgoing);
    }
}
