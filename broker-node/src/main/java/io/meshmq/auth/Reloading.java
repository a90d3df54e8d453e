package io.meshmq.auth;

/** Security data kept in memory and reloaded from where it lives (a file, a database table) by {@link Security}. */
interface Reloading<T> {
    /** What is in force now. */
    T get();

    /** Loads it again if it changed; true when new contents are in force. A failed load keeps the previous ones. */
    boolean poll();

    /** Where it comes from, for the log. */
    String source();
}
