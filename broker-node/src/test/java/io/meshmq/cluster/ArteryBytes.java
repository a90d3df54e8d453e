package io.meshmq.cluster;

import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.remote.artery.RemoteInstrument;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Pekko Artery remote instrument (enabled with {@code pekko.remote.artery.advanced.instruments}) that counts what
 * every actor system of this JVM sends to other nodes, by message class: messages and bytes. The size is what
 * Artery reports to instruments, the encoded envelope (Artery header, sender/recipient, serialized message) without
 * the TCP frame's 4-byte length; for gossip of Distributed Data that is the serialized (and, for large gossip,
 * gzip-compressed) message as it goes on the wire.
 */
public final class ArteryBytes extends RemoteInstrument {
    /** message class (simple name) → {messages, bytes}, all systems of this JVM together. */
    static final Map<String, LongAdder[]> SENT = new ConcurrentHashMap<>();

    public ArteryBytes(ExtendedActorSystem system) { }

    @Override public byte identifier() { return 17; }

    @Override public void remoteWriteMetadata(ActorRef recipient, Object message, ActorRef sender, ByteBuffer buffer) { }

    @Override public void remoteMessageSent(ActorRef recipient, Object message, ActorRef sender, int size, long time) {
        LongAdder[] c = SENT.computeIfAbsent(name(message), k -> new LongAdder[]{new LongAdder(), new LongAdder()});
        c[0].increment();
        c[1].add(size);
    }

    @Override public void remoteReadMetadata(ActorRef recipient, Object message, ActorRef sender, ByteBuffer buffer) { }

    @Override public void remoteMessageReceived(ActorRef recipient, Object message, ActorRef sender, int size, long time) { }

    static String name(Object message) {
        // the classic Replicator (and other classic actors) address their peers by actor selection: count the payload
        if (message instanceof org.apache.pekko.actor.ActorSelectionMessage sel) return name(sel.msg()) + " (selection)";
        String n = message.getClass().getName();
        int dot = n.lastIndexOf('.');
        return n.substring(dot + 1);
    }

    /** A copy of the counters: class → {messages, bytes}. */
    static Map<String, long[]> snapshot() {
        Map<String, long[]> m = new TreeMap<>();
        SENT.forEach((k, v) -> m.put(k, new long[]{v[0].sum(), v[1].sum()}));
        return m;
    }

    /** {@code after - before} per class. */
    static Map<String, long[]> diff(Map<String, long[]> before, Map<String, long[]> after) {
        Map<String, long[]> d = new TreeMap<>();
        after.forEach((k, v) -> {
            long[] b = before.getOrDefault(k, new long[2]);
            if (v[0] - b[0] > 0) d.put(k, new long[]{v[0] - b[0], v[1] - b[1]});
        });
        return d;
    }
}
