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
import org.apache.pekko.stream.TLSClosing;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.stream.typed.javadsl.ActorSink;
import org.apache.pekko.util.ByteString;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * An MQTT listener: a Pekko Streams TCP (or TLS) server whose every connection feeds a new {@link ConnectionActor}.
 * Inbound bytes reach the actor with backpressure (one chunk in flight); outbound packets go through a bounded
 * queue, coalesced into larger writes.
 */
public final class MqttListener {
    private MqttListener() {}

    private static final java.util.concurrent.atomic.AtomicLong CONNECTIONS = new java.util.concurrent.atomic.AtomicLong();

    /** TLS settings of a listener; {@code clientAuth} is none, optional or required. */
    public record Tls(SSLContext context, String clientAuth, List<String> protocols) {}

    public static CompletionStage<Tcp.ServerBinding> bind(ActorSystem<?> system, BrokerServices services,
                                                          String host, int port, Optional<Tls> tls) {
        Tcp tcp = Tcp.get(system);
        Source<Tcp.IncomingConnection, CompletionStage<Tcp.ServerBinding>> connections = tls.isEmpty()
                ? tcp.bind(host, port, 1024, List.of(), false, Optional.empty())
                : tcp.bindWithTls(host, port, () -> engine(tls.get()), 1024, List.of(), Optional.empty(),
                        session -> Optional.empty(), TLSClosing.eagerClose());
        int queueSize = services.connectionSettings().outboundQueuePackets();
        return connections.to(Sink.foreach(c -> accept(system, services, c, queueSize))).run(system);
    }

    private static SSLEngine engine(Tls tls) {
        SSLEngine e = tls.context().createSSLEngine();
        e.setUseClientMode(false);
        e.setEnabledProtocols(tls.protocols().toArray(String[]::new));
        switch (tls.clientAuth()) {
            case "required" -> e.setNeedClientAuth(true);
            case "optional" -> e.setWantClientAuth(true);
            default -> { }
        }
        return e;
    }

    private static void accept(ActorSystem<?> system, BrokerServices services, Tcp.IncomingConnection c, int queueSize) {
        Pair<BoundedSourceQueue<ByteString>, Source<ByteString, NotUsed>> out =
                Source.<ByteString>queue(queueSize).preMaterialize(system);
        String remote = c.remoteAddress().getAddress().getHostAddress() + ":" + c.remoteAddress().getPort();
        // Connections live under /system: the user guardian of a typed system cannot be asked synchronously.
        ActorRef<ConnectionCommand> actor = system.systemActorOf(ConnectionActor.create(services, out.first(), remote),
                "mqtt-connection-" + CONNECTIONS.incrementAndGet(), Props.empty());
        Sink<ByteString, NotUsed> in = ActorSink.<ByteString, ConnectionCommand, ConnectionActor.StreamAck>actorRefWithBackpressure(
                actor,
                (ackTo, bytes) -> new ConnectionActor.Received(bytes, ackTo),
                ConnectionActor.StreamInit::new,
                ConnectionActor.StreamAck.INSTANCE,
                new ConnectionActor.StreamClosed(null),
                ConnectionActor.StreamClosed::new);
        Source<ByteString, NotUsed> outgoing = out.second()
                .batchWeighted(256 * 1024, b -> (long) b.size(), b -> b, ByteString::concat);
        c.handleWith(Flow.fromSinkAndSourceCoupled(in, outgoing), system);
    }
}
