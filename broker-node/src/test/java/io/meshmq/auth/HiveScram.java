package io.meshmq.auth;

import com.hivemq.client.mqtt.datatypes.MqttUtf8String;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig;
import com.hivemq.client.mqtt.mqtt5.auth.Mqtt5EnhancedAuthMechanism;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5Auth;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5AuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5EnhancedAuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5Disconnect;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * SCRAM-SHA-256 for the HiveMQ client ({@code .enhancedAuth(new HiveScram(user, password))}), done by the test's own
 * {@link ScramClient}; it checks the server's signature in the CONNACK / AUTH 0x00 and records what happened.
 */
public final class HiveScram implements Mqtt5EnhancedAuthMechanism {
    public final String user;
    public volatile String password;
    public volatile String method = "SCRAM-SHA-256";
    public volatile ScramClient scram;
    public volatile boolean serverVerified;
    public final CompletableFuture<Mqtt5ConnAck> rejected = new CompletableFuture<>();
    public final CompletableFuture<Mqtt5Disconnect> reauthRejected = new CompletableFuture<>();

    public HiveScram(String user, String password) { this.user = user; this.password = password; }

    @Override public MqttUtf8String getMethod() { return MqttUtf8String.of(method); }
    @Override public int getTimeout() { return 10; }

    @Override public CompletableFuture<Void> onAuth(Mqtt5ClientConfig config, Mqtt5Connect connect, Mqtt5EnhancedAuthBuilder auth) {
        scram = new ScramClient(user, password);
        auth.data(scram.clientFirst());
        return CompletableFuture.completedFuture(null);
    }

    @Override public CompletableFuture<Void> onReAuth(Mqtt5ClientConfig config, Mqtt5AuthBuilder auth) {
        scram = new ScramClient(user, password);
        auth.data(scram.clientFirst());
        return CompletableFuture.completedFuture(null);
    }

    @Override public CompletableFuture<Boolean> onContinue(Mqtt5ClientConfig config, Mqtt5Auth auth, Mqtt5AuthBuilder next) {
        try {
            next.data(scram.clientFinal(bytes(auth.getData().orElse(null))));
            return CompletableFuture.completedFuture(true);
        } catch (Exception e) {
            return CompletableFuture.completedFuture(false);
        }
    }

    @Override public CompletableFuture<Boolean> onAuthSuccess(Mqtt5ClientConfig config, Mqtt5ConnAck connAck) {
        // the client authenticates the server too: the CONNACK must carry the right server signature
        serverVerified = connAck.getEnhancedAuth().map(a -> a.getMethod().toString().equals("SCRAM-SHA-256")
                && scram.serverFinalValid(bytes(a.getData().orElse(null)))).orElse(false);
        return CompletableFuture.completedFuture(serverVerified);
    }

    @Override public CompletableFuture<Boolean> onReAuthSuccess(Mqtt5ClientConfig config, Mqtt5Auth auth) {
        serverVerified = scram.serverFinalValid(bytes(auth.getData().orElse(null)));
        return CompletableFuture.completedFuture(serverVerified);
    }

    @Override public void onAuthRejected(Mqtt5ClientConfig config, Mqtt5ConnAck connAck) { rejected.complete(connAck); }
    @Override public void onReAuthRejected(Mqtt5ClientConfig config, Mqtt5Disconnect d) { reauthRejected.complete(d); }
    @Override public void onAuthError(Mqtt5ClientConfig config, Throwable cause) {}
    @Override public void onReAuthError(Mqtt5ClientConfig config, Throwable cause) {}

    public static byte[] bytes(ByteBuffer b) {
        if (b == null) return null;
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }
}
