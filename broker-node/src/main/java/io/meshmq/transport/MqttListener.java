package io.meshmq.transport;

import io.meshmq.auth.Security;
import io.meshmq.codec.ReasonCode;
import io.meshmq.connection.BrokerServices;
import io.meshmq.connection.ConnectionActor;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.TLSClosing;
import org.apache.pekko.stream.TLSProtocol;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.TLS;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * An MQTT listener: a Pekko Streams TCP (or TLS) server whose every connection feeds a new {@link ConnectionActor}
 * through a {@link ConnectionFlow}.
 */
public final class MqttListener {
    private MqttListener() {}

    public static CompletionStage<Tcp.ServerBinding> bind(ActorSystem<?> system, BrokerServices services,
                                                          String host, int port, Optional<ServerTls> tls) {
        Tcp tcp = Tcp.get(system);
        // TLS is joined per connection (as Tcp.bindWithTls does, half-close included) so that each connection
        // learns its own TLS session: the client certificate chain is the identity for broker.auth.tls-identity.
        Source<Tcp.IncomingConnection, CompletionStage<Tcp.ServerBinding>> connections =
                // Nagle off: a PUBLISH or PUBACK is written at once, not held back for the next one
                tcp.bind(host, port, 1024, List.of(org.apache.pekko.io.TcpSO.tcpNoDelay(true)), tls.isPresent(), Optional.empty());
        return connections.to(Sink.foreach(c -> accept(system, services, c, tls))).run(system);
    }

    private static void accept(ActorSystem<?> system, BrokerServices services, Tcp.IncomingConnection c,
                               Optional<ServerTls> tls) {
        AtomicReference<List<X509Certificate>> peer = new AtomicReference<>(List.of());
        Flow<ByteString, ByteString, NotUsed> socket = c.flow();
        if (tls.isPresent()) {
            BidiFlow<ByteString, TLSProtocol.SslTlsOutbound, TLSProtocol.SslTlsInbound, ByteString, NotUsed> wrapping =
                    BidiFlow.fromFlows(
                            Flow.<ByteString>create().map(b -> (TLSProtocol.SslTlsOutbound) new TLSProtocol.SendBytes(b)),
                            Flow.<TLSProtocol.SslTlsInbound>create()
                                    .filter(in -> in instanceof TLSProtocol.SessionBytes)
                                    .map(in -> ((TLSProtocol.SessionBytes) in).bytes()));
            // the engine comes from the context in force now (certificates are reloaded without a restart);
            // the session is verified (and its peer recorded) after the handshake, before any application data
            socket = socket.join(wrapping.atop(TLS.create(tls.get()::newEngine,
                    session -> peer.set(peerCertificates(session)), TLSClosing.eagerClose())).reversed());
        }
        ReasonCode refusal = refusal(system, services);
        if (refusal != null) {
            // over a node limit: answered and closed here, before a ConnectionActor (and its timers) is spent on it
            socket.join(AcceptRefusal.flow(refusal, services.connectionSettings().connectTimeout())).run(system);
            return;
        }
        String remote = c.remoteAddress().getAddress().getHostAddress() + ":" + c.remoteAddress().getPort();
        socket.join(ConnectionFlow.start(system, services, remote, peer::get)).run(system);
    }

    /**
     * Cheap accept-time checks of the node limits (the connection actor checks them again at CONNECT, exactly):
     * {@code max-connections} (0x89 Server Busy) and {@code max-connection-rate} (0x9F), or null to accept.
     */
    private static ReasonCode refusal(ActorSystem<?> system, BrokerServices services) {
        Security security = Security.get(system);
        int maxConnections = security.limits().maxConnections();
        if (maxConnections > 0 && services.metrics().connectionsCurrent() >= maxConnections) {
            services.metrics().rejected("limit.max-connections");
            return ReasonCode.SERVER_BUSY;
        }
        if (!security.tryAcceptSocket()) {
            services.metrics().rejected("limit.connection-rate");
            return ReasonCode.CONNECTION_RATE_EXCEEDED;
        }
        return null;
    }

    static List<X509Certificate> peerCertificates(SSLSession session) {
        try {
            List<X509Certificate> chain = new ArrayList<>();
            for (Certificate cert : session.getPeerCertificates()) {
                if (cert instanceof X509Certificate x) chain.add(x);
            }
            return List.copyOf(chain);
        } catch (SSLPeerUnverifiedException noClientCertificate) {
            return List.of();
        }
    }
}
