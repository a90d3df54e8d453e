package io.meshmq.transport;

import io.meshmq.connection.BrokerServices;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.ServerBuilder;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.model.SslSessionInfo;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.ws.BinaryMessage;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgrade;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.io.TcpSO;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * MQTT over WebSocket (MQTT 5.0 chapter 6, 3.1.1 chapter 6): an HTTP server (pekko-http) that upgrades requests for
 * one path to WebSocket connections with the subprotocol {@code mqtt}, and runs each as a {@link ConnectionFlow}
 * like a TCP connection: binary messages carry the MQTT byte stream in either direction, with no relation between
 * message and packet boundaries (a packet may span messages, a message may hold several packets).
 */
public final class WebSocketListener {
    private WebSocketListener() {}

    /** What a client may ask for, preferred first: {@code mqtt} (the standard), {@code mqttv3.1} (old clients). */
    public static final List<String> SUBPROTOCOLS = List.of("mqtt", "mqttv3.1");

    /**
     * {@code idleTimeout}: an HTTP connection that carries nothing for this long is closed (one that never upgrades,
     * or a half-open socket); 0 turns it off.
     */
    public static CompletionStage<ServerBinding> bind(ActorSystem<?> system, BrokerServices services, String host, int port,
                                                      String path, java.time.Duration idleTimeout, Optional<ServerTls> tls) {
        ServerSettings defaults = ServerSettings.create(Adapter.toClassic(system));
        boolean idleTimeoutOn = !idleTimeout.isZero() && !idleTimeout.isNegative();
        ServerSettings settings = defaults
                .withTimeouts(defaults.getTimeouts().withIdleTimeout(idleTimeoutOn
                        ? scala.concurrent.duration.Duration.fromNanos(idleTimeout.toNanos())
                        : scala.concurrent.duration.Duration.Inf()))
                // An MQTT client may be silent for as long as its keep-alive allows (the connection actor enforces
                // keep-alive and the CONNECT timeout): WebSocket pings at half the idle timeout keep its connection
                // from counting as idle. Clients answer them without the MQTT layer seeing anything.
                .withWebsocketSettings(defaults.getWebsocketSettings().withPeriodicKeepAliveMode("ping")
                        .withPeriodicKeepAliveMaxIdle(idleTimeoutOn
                                ? scala.concurrent.duration.Duration.fromNanos(idleTimeout.toNanos() / 2)
                                : scala.concurrent.duration.Duration.Inf()))
                // The broker's own limit (broker.limits.max-connections) answers with CONNACK 0x89; the HTTP server
                // must not stall connections below it (its default is 1024).
                .withMaxConnections(Integer.MAX_VALUE)
                .withRemoteAddressAttribute(true)
                .withParserSettings(defaults.getParserSettings().withIncludeSslSessionAttribute(tls.isPresent()))
                .withSocketOptions(List.of(TcpSO.tcpNoDelay(true)));
        ServerBuilder builder = Http.get(system).newServerAt(host, port).withSettings(settings);
        if (tls.isPresent()) {
            // a new engine per connection, from the certificate in force when it connects
            builder = builder.enableHttps(ConnectionContext.httpsServer(tls.get()::newEngine));
        }
        return builder.bindSync(request -> handle(system, services, path, request));
    }

    private static HttpResponse handle(ActorSystem<?> system, BrokerServices services, String path, HttpRequest request) {
        if (!request.getUri().path().equals(path)) {
            return HttpResponse.create().withStatus(StatusCodes.NOT_FOUND);
        }
        Optional<WebSocketUpgrade> upgrade = request.getAttribute(AttributeKeys.webSocketUpgrade);
        if (upgrade.isEmpty()) {
            return HttpResponse.create().withStatus(StatusCodes.BAD_REQUEST)
                    .withEntity("MQTT over WebSocket: expected a WebSocket upgrade with subprotocol mqtt");
        }
        Subprotocol subprotocol = subprotocol(upgrade.get().getRequestedProtocols());
        if (!subprotocol.accepted()) {
            return HttpResponse.create().withStatus(StatusCodes.BAD_REQUEST)
                    .withEntity("MQTT over WebSocket: supported subprotocols are " + String.join(", ", SUBPROTOCOLS));
        }
        String remote = request.getAttribute(AttributeKeys.remoteAddress)
                .filter(a -> a.getAddress().isPresent())
                .map(a -> a.getAddress().get().getHostAddress() + ":" + a.getPort())
                .orElse("unknown:0");
        List<X509Certificate> peer = request.getAttribute(AttributeKeys.sslSession)
                .map(SslSessionInfo::getSession).map(MqttListener::peerCertificates).orElse(List.of());
        Flow<Message, Message, NotUsed> messages = Flow.<Message>create()
                .flatMapConcat(WebSocketListener::bytesOf)
                .filter(b -> !b.isEmpty())
                .via(ConnectionFlow.start(system, services, remote, () -> peer))
                .map(b -> (Message) BinaryMessage.create(b));
        return subprotocol.name() != null
                ? upgrade.get().handleMessagesWith(messages, subprotocol.name())
                : upgrade.get().handleMessagesWith(messages);
    }

    /** The answer to a client's subprotocols: refused, or accepted with {@code name} (null: answer without one). */
    record Subprotocol(boolean accepted, String name) {}

    /**
     * The first of the client's subprotocols that we support. A client that asks for none is accepted (MQTT asks
     * clients to offer {@code mqtt}, but some leave it out); one that asks only for others is refused.
     */
    static Subprotocol subprotocol(Iterable<String> requested) {
        boolean any = false;
        for (String p : requested) {
            any = true;
            for (String supported : SUBPROTOCOLS) {
                // answered as the client spelled it: the upgrade accepts only one of the requested names
                if (supported.equalsIgnoreCase(p)) return new Subprotocol(true, p);
            }
        }
        return new Subprotocol(!any, null);
    }

    /** The bytes of a binary message as they arrive (a large message is not buffered); text is a protocol error. */
    private static Source<ByteString, ?> bytesOf(Message m) {
        if (m.isText()) {
            // MQTT-6.0.0-1: MQTT Control Packets are sent in binary data frames; anything else closes the connection
            return Source.failed(new IllegalArgumentException("MQTT over WebSocket: text frame received (MQTT-6.0.0-1)"));
        }
        return m.asBinaryMessage().getStreamedData();
    }
}
