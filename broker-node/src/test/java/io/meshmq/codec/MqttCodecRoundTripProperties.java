package io.meshmq.codec;

import io.meshmq.codec.PacketGenerator.Direction;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** decode(encode(p)) == p for every packet type, version and direction, however the bytes are split. */
class MqttCodecRoundTripProperties {

    private static final int MAX = 1 << 20;

    @Provide
    Arbitrary<Tuple2<ProtocolVersion, MqttPacket>> clientPackets() {
        return Arbitraries.of(ProtocolVersion.values()).flatMap(v ->
                Arbitraries.randomValue(r -> Tuple.of(v, r.nextInt(8) == 0
                        ? PacketGenerator.connect(r, v) : PacketGenerator.packet(r, v, Direction.CLIENT_TO_SERVER))));
    }

    @Provide
    Arbitrary<Tuple2<ProtocolVersion, MqttPacket>> serverPackets() {
        return Arbitraries.of(ProtocolVersion.values()).flatMap(v ->
                PacketGenerator.packets(v, Direction.SERVER_TO_CLIENT).map(p -> Tuple.of(v, p)));
    }

    @Property(tries = 3000)
    void clientToServerPacketsRoundTrip(@ForAll("clientPackets") Tuple2<ProtocolVersion, MqttPacket> t) throws Exception {
        ProtocolVersion v = t.get1();
        MqttPacket p = t.get2();
        byte[] bytes = MqttEncoder.encode(p, v);
        assertThat(MqttEncoder.encodedSize(p, v)).isEqualTo(bytes.length);
        MqttDecoder decoder = new MqttDecoder(MAX);
        if (!(p instanceof MqttPacket.Connect)) decoder.version(v);
        assertThat(decoder.decode(ByteBuffer.wrap(bytes))).containsExactly(p);
        assertThat(decoder.version()).isEqualTo(v);
    }

    @Property(tries = 3000)
    void serverToClientPacketsRoundTrip(@ForAll("serverPackets") Tuple2<ProtocolVersion, MqttPacket> t) throws Exception {
        ProtocolVersion v = t.get1();
        MqttPacket p = t.get2();
        byte[] bytes = MqttEncoder.encode(p, v);
        assertThat(MqttEncoder.encodedSize(p, v)).isEqualTo(bytes.length);
        assertThat(MqttDecoder.forClient(v, MAX).decode(ByteBuffer.wrap(bytes))).containsExactly(p);
    }

    @Property(tries = 500)
    void clientStreamSplitAnywhereDecodesTheSame(@ForAll("versions") ProtocolVersion v, @ForAll long seed) throws Exception {
        Random r = new Random(seed);
        List<MqttPacket> packets = new ArrayList<>();
        packets.add(PacketGenerator.connect(r, v));
        int n = 1 + r.nextInt(12);
        for (int i = 0; i < n; i++) packets.add(PacketGenerator.packet(r, v, Direction.CLIENT_TO_SERVER));
        assertThat(feedInChunks(new MqttDecoder(MAX), encodeAll(packets, v), r)).isEqualTo(packets);
    }

    @Property(tries = 500)
    void serverStreamSplitAnywhereDecodesTheSame(@ForAll("versions") ProtocolVersion v, @ForAll long seed) throws Exception {
        Random r = new Random(seed);
        List<MqttPacket> packets = new ArrayList<>();
        int n = 1 + r.nextInt(12);
        for (int i = 0; i < n; i++) packets.add(PacketGenerator.packet(r, v, Direction.SERVER_TO_CLIENT));
        assertThat(feedInChunks(MqttDecoder.forClient(v, MAX), encodeAll(packets, v), r)).isEqualTo(packets);
    }

    @Provide
    Arbitrary<ProtocolVersion> versions() { return Arbitraries.of(ProtocolVersion.values()); }

    static byte[] encodeAll(List<MqttPacket> packets, ProtocolVersion v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (MqttPacket p : packets) out.writeBytes(MqttEncoder.encode(p, v));
        return out.toByteArray();
    }

    /** Splits at random points (often single bytes) and feeds each chunk in a randomly chosen kind of buffer. */
    static List<MqttPacket> feedInChunks(MqttDecoder decoder, byte[] stream, Random r) throws MalformedPacketException {
        List<MqttPacket> out = new ArrayList<>();
        int i = 0;
        while (i < stream.length) {
            int len = switch (r.nextInt(4)) {
                case 0 -> 1;
                case 1 -> 1 + r.nextInt(8);
                case 2 -> 1 + r.nextInt(200);
                default -> stream.length - i;
            };
            len = Math.min(len, stream.length - i);
            ByteBuffer chunk = buffer(stream, i, len, r);
            out.addAll(decoder.decode(chunk));
            assertThat(chunk.hasRemaining()).isFalse();
            i += len;
        }
        return out;
    }

    static ByteBuffer buffer(byte[] data, int off, int len, Random r) {
        switch (r.nextInt(4)) {
            case 0: {
                ByteBuffer direct = ByteBuffer.allocateDirect(len);
                direct.put(data, off, len).flip();
                return direct;
            }
            case 1:
                return ByteBuffer.wrap(data, off, len).slice().asReadOnlyBuffer();
            case 2: {
                // non-zero position and array offset
                byte[] padded = new byte[len + 7];
                System.arraycopy(data, off, padded, 5, len);
                ByteBuffer b = ByteBuffer.wrap(padded, 2, len + 3).slice();
                b.position(3);
                return b;
            }
            default:
                return ByteBuffer.wrap(data, off, len);
        }
    }
}
