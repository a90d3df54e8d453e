package io.meshmq.session;

import io.meshmq.codec.QoS;
import io.meshmq.codec.UserProperty;
import io.meshmq.routing.ApplicationMessage;
import org.apache.pekko.serialization.SerializerWithStringManifest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compact binary form for what sessions journal ({@link SessionEvent}) and snapshot ({@link SessionState.Snapshot}).
 * Every QoS 1/2 message of a persistent session passes through here before its PUBACK, so it avoids the field names
 * and reflection of the generic Jackson format. Each manifest carries a version digit for later changes.
 */
public final class SessionSerializer extends SerializerWithStringManifest {
    private static final String ATTACHED = "A1", SUBSCRIBED = "S1", UNSUBSCRIBED = "U1", ENQUEUED = "E1",
            COMPLETED = "C1", RECEIVED = "R1", INBOUND_STORED = "I1", INBOUND_RELEASED = "J1", DETACHED = "D1",
            ENDED = "X1", SNAPSHOT = "N1";

    @Override public int identifier() { return 774_401; }

    @Override
    public String manifest(Object o) {
        if (o instanceof SessionEvent.Attached) return ATTACHED;
        if (o instanceof SessionEvent.Subscribed) return SUBSCRIBED;
        if (o instanceof SessionEvent.Unsubscribed) return UNSUBSCRIBED;
        if (o instanceof SessionEvent.Enqueued) return ENQUEUED;
        if (o instanceof SessionEvent.Completed) return COMPLETED;
        if (o instanceof SessionEvent.Received) return RECEIVED;
        if (o instanceof SessionEvent.InboundStored) return INBOUND_STORED;
        if (o instanceof SessionEvent.InboundReleased) return INBOUND_RELEASED;
        if (o instanceof SessionEvent.Detached) return DETACHED;
        if (o instanceof SessionEvent.Ended) return ENDED;
        if (o instanceof SessionState.Snapshot) return SNAPSHOT;
        throw new IllegalArgumentException("not a session event: " + o.getClass());
    }

    @Override
    public byte[] toBinary(Object o) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            if (o instanceof SessionEvent.Attached a) {
                out.writeLong(a.expiryInterval());
                out.writeBoolean(a.clearFirst());
            } else if (o instanceof SessionEvent.Subscribed s) {
                writeString(out, s.filter());
                writeOptions(out, s.options());
            } else if (o instanceof SessionEvent.Unsubscribed u) {
                writeString(out, u.filter());
            } else if (o instanceof SessionEvent.Enqueued e) {
                out.writeInt(e.messages().size());
                for (Outbound ob : e.messages()) writeOutbound(out, ob);
            } else if (o instanceof SessionEvent.Completed c) {
                writeLongs(out, c.seqs());
            } else if (o instanceof SessionEvent.Received r) {
                writeLongs(out, r.seqs());
            } else if (o instanceof SessionEvent.InboundStored s) {
                out.writeInt(s.packetId());
            } else if (o instanceof SessionEvent.InboundReleased r) {
                out.writeInt(r.packetId());
            } else if (o instanceof SessionEvent.Detached d) {
                out.writeLong(d.atMillis());
                out.writeLong(d.expiryInterval());
                out.writeLong(d.sentThrough());
            } else if (o instanceof SessionState.Snapshot s) {
                out.writeLong(s.expiryInterval());
                out.writeInt(s.subscriptions().size());
                for (Map.Entry<String, SubscriptionOptions> e : s.subscriptions().entrySet()) {
                    writeString(out, e.getKey());
                    writeOptions(out, e.getValue());
                }
                out.writeInt(s.queue().size());
                for (Outbound ob : s.queue()) writeOutbound(out, ob);
                out.writeLong(s.nextSeq());
                out.writeInt(s.inboundQos2().size());
                for (int id : s.inboundQos2()) out.writeInt(id);
                out.writeLong(s.detachedAtMillis());
                out.writeLong(s.sentThrough());
            } else if (!(o instanceof SessionEvent.Ended)) {
                throw new IllegalArgumentException("not a session event: " + o.getClass());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return switch (manifest) {
                case ATTACHED -> new SessionEvent.Attached(in.readLong(), in.readBoolean());
                case SUBSCRIBED -> new SessionEvent.Subscribed(readString(in), readOptions(in));
                case UNSUBSCRIBED -> new SessionEvent.Unsubscribed(readString(in));
                case ENQUEUED -> {
                    int n = in.readInt();
                    List<Outbound> list = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) list.add(readOutbound(in));
                    yield new SessionEvent.Enqueued(list);
                }
                case COMPLETED -> new SessionEvent.Completed(readLongs(in));
                case RECEIVED -> new SessionEvent.Received(readLongs(in));
                case INBOUND_STORED -> new SessionEvent.InboundStored(in.readInt());
                case INBOUND_RELEASED -> new SessionEvent.InboundReleased(in.readInt());
                case DETACHED -> new SessionEvent.Detached(in.readLong(), in.readLong(), in.readLong());
                case ENDED -> new SessionEvent.Ended();
                case SNAPSHOT -> {
                    long expiry = in.readLong();
                    int subs = in.readInt();
                    Map<String, SubscriptionOptions> subscriptions = new LinkedHashMap<>();
                    for (int i = 0; i < subs; i++) subscriptions.put(readString(in), readOptions(in));
                    int n = in.readInt();
                    List<Outbound> queue = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) queue.add(readOutbound(in));
                    long nextSeq = in.readLong();
                    int m = in.readInt();
                    List<Integer> inbound = new ArrayList<>(m);
                    for (int i = 0; i < m; i++) inbound.add(in.readInt());
                    yield new SessionState.Snapshot(expiry, subscriptions, queue, nextSeq, inbound, in.readLong(), in.readLong());
                }
                default -> throw new NotSerializableException("unknown session manifest " + manifest);
            };
        } catch (IOException e) {
            NotSerializableException n = new NotSerializableException("corrupt session event " + manifest + ": " + e);
            n.initCause(e);
            throw n;
        }
    }

    private static void writeOptions(DataOutputStream out, SubscriptionOptions o) throws IOException {
        out.writeByte(o.qos().value());
        out.writeBoolean(o.noLocal());
        out.writeBoolean(o.retainAsPublished());
        out.writeByte(o.retainHandling());
        out.writeInt(o.subscriptionId());
    }

    private static SubscriptionOptions readOptions(DataInputStream in) throws IOException {
        return new SubscriptionOptions(QoS.of(in.readByte()), in.readBoolean(), in.readBoolean(), in.readByte(), in.readInt());
    }

    private static void writeOutbound(DataOutputStream out, Outbound o) throws IOException {
        out.writeLong(o.seq());
        writeMessage(out, o.message());
        out.writeByte(o.qos().value());
        out.writeBoolean(o.retain());
        out.writeInt(o.subscriptionIds().size());
        for (int id : o.subscriptionIds()) out.writeInt(id);
        out.writeByte(o.phase().ordinal());
    }

    private static Outbound readOutbound(DataInputStream in) throws IOException {
        long seq = in.readLong();
        ApplicationMessage m = readMessage(in);
        QoS qos = QoS.of(in.readByte());
        boolean retain = in.readBoolean();
        int n = in.readInt();
        List<Integer> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) ids.add(in.readInt());
        return new Outbound(seq, m, qos, retain, ids, Outbound.Phase.values()[in.readByte()]);
    }

    /** Also used for retained messages and anything else that stores an Application Message. */
    static void writeMessage(DataOutputStream out, ApplicationMessage m) throws IOException {
        writeString(out, m.topic());
        writeBytes(out, m.payload());
        out.writeByte(m.qos().value());
        out.writeBoolean(m.retain());
        writeString(out, m.publisherId());
        out.writeLong(m.createdAtMillis());
        out.writeLong(m.expiryInterval());
        out.writeByte(m.payloadFormatIndicator() == null ? -1 : m.payloadFormatIndicator());
        writeString(out, m.contentType());
        writeString(out, m.responseTopic());
        writeBytes(out, m.correlationData());
        out.writeInt(m.userProperties().size());
        for (UserProperty p : m.userProperties()) {
            writeString(out, p.name());
            writeString(out, p.value());
        }
    }

    static ApplicationMessage readMessage(DataInputStream in) throws IOException {
        String topic = readString(in);
        byte[] payload = readBytes(in);
        QoS qos = QoS.of(in.readByte());
        boolean retain = in.readBoolean();
        String publisher = readString(in);
        long created = in.readLong();
        long expiry = in.readLong();
        int pfi = in.readByte();
        String contentType = readString(in);
        String responseTopic = readString(in);
        byte[] correlation = readBytes(in);
        int n = in.readInt();
        List<UserProperty> props = new ArrayList<>(n);
        for (int i = 0; i < n; i++) props.add(new UserProperty(readString(in), readString(in)));
        return new ApplicationMessage(topic, payload, qos, retain, publisher, created, expiry,
                pfi < 0 ? null : pfi, contentType, responseTopic, correlation, props);
    }

    // Strings as length-prefixed UTF-8 (writeUTF caps at 64 KiB and uses modified UTF-8); -1 is null.
    private static void writeString(DataOutputStream out, String s) throws IOException {
        writeBytes(out, s == null ? null : s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static String readString(DataInputStream in) throws IOException {
        byte[] b = readBytes(in);
        return b == null ? null : new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        if (b == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(b.length);
            out.write(b);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) return null;
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    private static void writeLongs(DataOutputStream out, List<Long> values) throws IOException {
        out.writeInt(values.size());
        for (long v : values) out.writeLong(v);
    }

    private static List<Long> readLongs(DataInputStream in) throws IOException {
        int n = in.readInt();
        List<Long> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) list.add(in.readLong());
        return list;
    }
}
