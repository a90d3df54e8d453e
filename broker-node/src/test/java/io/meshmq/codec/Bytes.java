package io.meshmq.codec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Hand-built packets for tests. */
final class Bytes {
    private Bytes() {}

    static byte[] of(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) b[i] = (byte) values[i];
        return b;
    }

    /** A packet with this first byte and body; the remaining length is computed. */
    static byte[] packet(int firstByte, byte[]... body) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] part : body) b.writeBytes(part);
        byte[] bodyBytes = b.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(firstByte);
        out.writeBytes(MqttEncoder.variableByteInteger(bodyBytes.length));
        out.writeBytes(bodyBytes);
        return out.toByteArray();
    }

    /** A length-prefixed string from raw bytes (which may be ill-formed UTF-8). */
    static byte[] str(byte[] raw) {
        byte[] b = new byte[raw.length + 2];
        b[0] = (byte) (raw.length >>> 8);
        b[1] = (byte) raw.length;
        System.arraycopy(raw, 0, b, 2, raw.length);
        return b;
    }

    static byte[] str(String s) { return str(s.getBytes(StandardCharsets.UTF_8)); }

    static byte[] u16(int v) { return of(v >>> 8, v); }
}
