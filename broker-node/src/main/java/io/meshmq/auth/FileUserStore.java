package io.meshmq.auth;

import java.io.IOException;
import java.nio.file.Path;

/** Users from the password file, reloaded when it changes ({@link Security} polls it). */
final class FileUserStore implements UserStore, Reloading<PasswordFile> {
    private final WatchedFile<PasswordFile> file;

    FileUserStore(Path path) throws IOException {
        this.file = new WatchedFile<>(path, "password file", PasswordFile::load);
    }

    @Override public boolean verify(String user, char[] password) { return file.get().verify(user, password); }

    @Override public ScramCredentials scramCredentials(String user) { return file.get().scramOf(user); }

    @Override public String describe() { return "password file " + file.path() + " (" + file.get().size() + " users)"; }

    @Override public boolean poll() { return file.poll(); }

    @Override public PasswordFile get() { return file.get(); }

    @Override public String source() { return file.source(); }
}
