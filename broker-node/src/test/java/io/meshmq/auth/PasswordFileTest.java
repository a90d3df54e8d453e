package io.meshmq.auth;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class PasswordFileTest {
    @TempDir
    Path dir;

    private static int passwd(String stdin, String... args) {
        return PasswdCommand.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()));
    }

    @Test
    @DisplayName("a hash is salted PBKDF2-SHA512 with its iteration count; the same password hashes differently per user")
    void hashFormat() {
        String a = PasswordHasher.hash("secret".toCharArray(), 1000);
        String b = PasswordHasher.hash("secret".toCharArray(), 1000);
        assertThat(a).startsWith("pbkdf2-sha512:1000:").doesNotContain("secret");
        assertThat(a).isNotEqualTo(b);
        assertThat(PasswordHasher.verify("secret".toCharArray(), a)).isTrue();
        assertThat(PasswordHasher.verify("Secret".toCharArray(), a)).isFalse();
        assertThat(PasswordHasher.verify("secret".toCharArray(), "plain:secret")).isFalse();
    }

    @Test
    @DisplayName("passwd add/change/remove round trip: the file holds hashes only and verifies the current password")
    void passwdRoundTrip() throws Exception {
        Path file = dir.resolve("passwd");
        assertThat(passwd("first-pw\n", file.toString(), "add", "alice", "--iterations", "1000")).isZero();
        assertThat(passwd("", file.toString(), "add", "bob", "--password", "bobs-pw", "--iterations", "1000")).isZero();
        assertThat(Files.readString(file)).contains("alice:pbkdf2-sha512:1000:").doesNotContain("first-pw").doesNotContain("bobs-pw");
        assertThat(PasswordFile.load(file).verify("alice", "first-pw".toCharArray())).isTrue();

        assertThat(passwd("x\n", file.toString(), "add", "alice")).as("add of an existing user").isEqualTo(1);
        assertThat(passwd("second-pw\n", file.toString(), "change", "alice", "--iterations", "1000")).isZero();
        PasswordFile pf = PasswordFile.load(file);
        assertThat(pf.verify("alice", "first-pw".toCharArray())).isFalse();
        assertThat(pf.verify("alice", "second-pw".toCharArray())).isTrue();
        assertThat(pf.verify("bob", "bobs-pw".toCharArray())).isTrue();

        assertThat(passwd("", file.toString(), "remove", "alice")).isZero();
        assertThat(PasswordFile.load(file).contains("alice")).isFalse();
        assertThat(PasswordFile.load(file).verify("alice", "second-pw".toCharArray())).isFalse();
        assertThat(passwd("", file.toString(), "remove", "alice")).as("remove of a missing user").isEqualTo(1);
        assertThat(passwd("", file.toString(), "frobnicate", "alice")).as("unknown action").isEqualTo(2);
        assertThat(passwd("pw\n", file.toString(), "add", "a:b")).as("':' in a user name").isEqualTo(1);
    }

    @Test
    @DisplayName("passwd stores SCRAM-SHA-256 keys next to the PBKDF2 hash (never the password); old lines stay readable")
    void scramKeysInTheFile() throws Exception {
        Path file = dir.resolve("passwd");
        assertThat(passwd("pencil\n", file.toString(), "add", "carol", "--iterations", "1000")).isZero();
        assertThat(passwd("pw\n", file.toString(), "add", "dave", "--iterations", "1000", "--scram-iterations", "0")).isZero();
        assertThat(passwd("pw\n", file.toString(), "add", "eve", "--iterations", "1000", "--scram-iterations", "100")).as("below RFC 7677's 4096").isEqualTo(2);
        String text = Files.readString(file);
        assertThat(text).containsPattern("carol:pbkdf2-sha512:1000:[^:]+:[^:]+:scram-sha-256:4096:[^:]+:[^:]+:[^:\\n]+\n")
                .doesNotContain("pencil");
        PasswordFile pf = PasswordFile.load(file);
        assertThat(pf.verify("carol", "pencil".toCharArray())).isTrue();
        ScramCredentials c = pf.scramOf("carol");
        assertThat(c).isNotNull();
        assertThat(ScramCredentials.derive("pencil".toCharArray(), c.salt(), c.iterations())).isEqualTo(c);
        assertThat(pf.scramOf("dave")).isNull();
        assertThat(pf.verify("dave", "pw".toCharArray())).isTrue();

        // a line written before SCRAM keys existed (PBKDF2 hash only) still loads and verifies
        String old = "frank:" + PasswordHasher.hash("old-pw".toCharArray(), 1000);
        Files.writeString(file, text + old + "\n");
        pf = PasswordFile.load(file);
        assertThat(pf.verify("frank", "old-pw".toCharArray())).isTrue();
        assertThat(pf.scramOf("frank")).isNull();
        // a damaged SCRAM part is an error, like a damaged hash
        Files.writeString(file, old + ":scram-sha-256:4096:AAAA:xx:yy\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PasswordFile.load(file)).isInstanceOf(java.io.IOException.class);
    }
}
