package io.meshmq.codec;

import io.meshmq.codec.PacketGenerator.Direction;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Random;

/**
 * Whatever arrives, the decoder either decodes it or throws {@link MalformedPacketException}: never another
 * exception, never an allocation sized by an untrusted length beyond the maximum packet size.
 */
class MqttDecoderFuzzProperties {
    private static final int MAX = 64 * 1024;

    @Provide
    Arbitrary<ProtocolVersion> versions() { return Arbitraries.of(ProtocolVersion.values()); }

    @Property(tries = 3000)
    void randomBytesToFreshServerDecoder(@ForAll @Size(max = 300) byte[] bytes, @ForAll long seed) {
        feed(new MqttDecoder(MAX), bytes, new Random(seed));
    }

    @Property(tries = 3000)
    void randomBytesAfterConnect(@ForAll("versions") ProtocolVersion v, @ForAll @Size(max = 300) byte[] bytes,
                                 @ForAll long seed) throws Exception {
        MqttDecoder d = MqttSpecExamplesTest.connected(v);
        feed(d, bytes, new Random(seed));
    }

    @Property(tries = 2000)
    void randomBytesToClientDecoder(@ForAll("versions") ProtocolVersion v, @ForAll @Size(max = 300) byte[] bytes,
                                    @ForAll long seed) {
        feed(MqttDecoder.forClient(v, MAX), bytes, new Random(seed));
    }

    @Property(tries = 3000)
    void mutatedClientPackets(@ForAll("versions") ProtocolVersion v, @ForAll long seed, @ForAll boolean withConnect) {
        Random r = new Random(seed);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        if (withConnect) stream.writeBytes(MqttEncoder.encode(PacketGenerator.connect(r, v), v));
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
            stream.writeBytes(MqttEncoder.encode(PacketGenerator.packet(r, v, Direction.CLIENT_TO_SERVER), v));
        }
        if (!withConnect) stream.writeBytes(MqttEncoder.encode(PacketGenerator.connect(r, v), v));
        feed(new MqttDecoder(MAX), mutate(stream.toByteArray(), r), r);
    }

    @Property(tries = 3000)
    void mutatedServerPackets(@ForAll("versions") ProtocolVersion v, @ForAll long seed) {
        Random r = new Random(seed);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        int n = 1 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
            stream.writeBytes(MqttEncoder.encode(PacketGenerator.packet(r, v, Direction.SERVER_TO_CLIENT), v));
        }
        feed(MqttDecoder.forClient(v, MAX), mutate(stream.toByteArray(), r), r);
    }

    /** Flips bits, overwrites, inserts and deletes bytes. */
    static byte[] mutate(byte[] in, Random r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int mutations = 1 + r.nextInt(4);
        byte[] b = in.clone();
        for (int m = 0; m < mutations && b.length > 0; m++) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(4)) {
                case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
                case 1 -> b[at] = (byte) r.nextInt(256);
                case 2 -> {
                    out.reset();
                    out.write(b, 0, at);
                    out.write(r.nextInt(256));
                    out.write(b, at, b.length - at);
                    b = out.toByteArray();
                }
                default -> {
                    out.reset();
                    out.write(b, 0, at);
                    out.write(b, at + 1, b.length - at - 1);
                    b = out.toByteArray();
                }
            }
        }
        return b;
    }

    /** Feeds in random chunks; a MalformedPacketException ends the connection, anything else fails the property. */
    static void feed(MqttDecoder d, byte[] bytes, Random r) {
        try {
            MqttCodecRoundTripProperties.feedInChunks(d, bytes, r);
        } catch (MalformedPacketException expected) {
            if (expected.reasonCode() == null) throw new AssertionError("no reason code", expected);
        }
    }
}
