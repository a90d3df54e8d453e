package io.meshmq.gatling;

/** MQTT topic filter matching (MQTT 3.1.1 §4.7, MQTT 5 §4.7), used to route received messages to expectations. */
final class TopicFilter {
    private TopicFilter() {}

    /** The filter a shared subscription ({@code $share/group/filter}, MQTT 5 §4.8.2) matches with. */
    static String unshared(String filter) {
        if (!filter.startsWith("$share/")) return filter;
        int slash = filter.indexOf('/', "$share/".length());
        return slash < 0 ? filter : filter.substring(slash + 1);
    }

    static boolean matches(String filter, String topic) {
        String f = unshared(filter);
        // Wildcards at the first level do not match topics starting with '$' (§4.7.2).
        if (topic.startsWith("$") && (f.startsWith("+") || f.startsWith("#"))) return false;
        String[] fl = f.split("/", -1), tl = topic.split("/", -1);
        for (int i = 0; i < fl.length; i++) {
            if (fl[i].equals("#")) return true;
            if (i >= tl.length) return false;
            if (!fl[i].equals("+") && !fl[i].equals(tl[i])) return false;
        }
        return fl.length == tl.length;
    }
}
