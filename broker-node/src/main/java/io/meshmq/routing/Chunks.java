package io.meshmq.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Splits what goes to another node into messages that Artery can carry. Artery discards a message larger than
 * {@code pekko.remote.artery.advanced.maximum-frame-size} (256 KiB) with an error; a burst read from fast publishers
 * (all PUBLISHes of one socket read for one session travel as one delivery, and everything a session has for its
 * client after one command as one batch) easily exceeds that. Single-node deliveries are not split.
 */
public final class Chunks {
    private Chunks() {}

    /**
     * Estimated serialized bytes per chunk: well under the 256 KiB frame, leaving room for Jackson CBOR's field
     * names, the sharding envelope and the Artery header.
     */
    public static final int BUDGET = 96 * 1024;

    /** A generous estimate of the serialized size of a message inside a delivery or batch (CBOR, field names). */
    public static int estimate(ApplicationMessage m) {
        int n = 320 + 3 * m.topic().length() + m.payload().length;
        if (m.publisherId() != null) n += 3 * m.publisherId().length();
        if (m.correlationData() != null) n += m.correlationData().length;
        if (m.responseTopic() != null) n += 3 * m.responseTopic().length();
        if (m.contentType() != null) n += 3 * m.contentType().length();
        if (m.userProperties() != null) {
            for (var p : m.userProperties()) n += 16 + 3 * (p.name().length() + p.value().length());
        }
        return n;
    }

    /** {@code items} in order, cut where the running estimate would pass {@code budget} (at least one item a chunk). */
    public static <T> List<List<T>> split(List<T> items, ToIntFunction<T> size, int budget) {
        int total = 0;
        for (T t : items) {
            total += size.applyAsInt(t);
            if (total > budget) break;
        }
        if (total <= budget) return List.of(items);
        List<List<T>> out = new ArrayList<>();
        List<T> current = new ArrayList<>();
        int used = 0;
        for (T t : items) {
            int s = size.applyAsInt(t);
            if (!current.isEmpty() && used + s > budget) {
                out.add(current);
                current = new ArrayList<>();
                used = 0;
            }
            current.add(t);
            used += s;
        }
        if (!current.isEmpty()) out.add(current);
        return out;
    }
}
