package io.meshmq.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A configuration file reloaded when it changes: {@link #poll()} compares its modification time and size with
 * those of the last load and, if they differ, parses it again. A file that fails to parse is reported and the
 * previous contents stay in force.
 */
final class WatchedFile<T> implements Reloading<T> {
    private static final Logger log = LoggerFactory.getLogger(WatchedFile.class);

    interface Parser<T> { T parse(Path path) throws IOException; }

    private final Path path;
    private final Parser<T> parser;
    private final String what;
    private volatile T current;
    private long mtime;
    private long size;

    /** Loads {@code path} now; a missing or malformed file fails start-up. */
    WatchedFile(Path path, String what, Parser<T> parser) throws IOException {
        this.path = path;
        this.parser = parser;
        this.what = what;
        BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
        this.current = parser.parse(path);
        this.mtime = a.lastModifiedTime().toMillis();
        this.size = a.size();
    }

    @Override public T get() { return current; }

    @Override public String source() { return what + " " + path; }

    Path path() { return path; }

    /** Reloads the file if it changed since the last load; true when new contents are in force. */
    @Override public synchronized boolean poll() {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            long m = a.lastModifiedTime().toMillis();
            if (m == mtime && a.size() == size) return false;
            T next = parser.parse(path);
            mtime = m;
            size = a.size();
            current = next;
            log.info("{} {} reloaded", what, path);
            return true;
        } catch (IOException | RuntimeException e) {
            log.error("{} {} not reloaded, the previous version stays in force: {}", what, path, e.getMessage());
            return false;
        }
    }
}
