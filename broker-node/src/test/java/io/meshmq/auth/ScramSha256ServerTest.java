package io.meshmq.auth;

import io.meshmq.auth.EnhancedAuthentication.Status;
import io.meshmq.auth.EnhancedAuthentication.Step;
import io.meshmq.codec.ReasonCode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The SCRAM-SHA-256 server state machine against RFC 7677 section 3 and the failure cases of RFC 5802. */
class ScramSha256ServerTest {
    // RFC 7677 section 3: user "user", password "pencil"
    static final String CLIENT_FIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    static final String SERVER_FIRST = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    static final String CLIENT_FINAL = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    static final String SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
    static final byte[] SALT = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
    static final ScramCredentials PENCIL = ScramCredentials.derive("pencil".toCharArray(), SALT, 4096);
    static final byte[] SECRET = "test secret".getBytes(StandardCharsets.UTF_8);

    static ScramSha256Server server() {
        return new ScramSha256Server(Map.of("user", PENCIL)::get, SECRET, () -> SERVER_NONCE);
    }

    static byte[] b(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    static String s(byte[] b) { return new String(b, StandardCharsets.UTF_8); }

    @Test
    @DisplayName("RFC 7677 example: the server's messages are byte for byte the RFC's, and the user is authenticated")
    void rfc7677Example() {
        ScramSha256Server server = server();
        Step first = server.respond(b(CLIENT_FIRST));
        assertThat(first.status()).isEqualTo(Status.CONTINUE);
        assertThat(s(first.data())).isEqualTo(SERVER_FIRST);
        Step fin = server.respond(b(CLIENT_FINAL));
        assertThat(fin.status()).isEqualTo(Status.SUCCESS);
        assertThat(fin.user()).isEqualTo("user");
        assertThat(s(fin.data())).isEqualTo(SERVER_FINAL);
    }

    @Test
    @DisplayName("the test's SCRAM client reproduces the RFC 7677 client-final-message and accepts the server's signature")
    void testClientAgreesWithRfc() throws Exception {
        ScramClient client = new ScramClient("user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        assertThat(s(client.clientFirst())).isEqualTo(CLIENT_FIRST);
        assertThat(s(client.clientFinal(b(SERVER_FIRST)))).isEqualTo(CLIENT_FINAL);
        assertThat(client.serverFinalValid(b(SERVER_FINAL))).isTrue();
    }

    @Test
    @DisplayName("stored credentials round-trip through their text form; random salts differ")
    void credentialsFormat() {
        ScramCredentials c = ScramCredentials.derive("pencil".toCharArray(), 4096);
        assertThat(ScramCredentials.parse(c.format())).isEqualTo(c);
        assertThat(ScramCredentials.derive("pencil".toCharArray(), 4096).salt()).isNotEqualTo(c.salt());
        assertThat(PENCIL.format()).startsWith("scram-sha-256:4096:W22ZaJ0SNY7soEsUEjb6gQ==:");
        assertThat(ScramCredentials.parse("scram-sha-256:4096:W22Z:short:short")).isNull();
        assertThat(ScramCredentials.parse("pbkdf2-sha512:1:a:b")).isNull();
    }

    @Test
    @DisplayName("a wrong password fails at the proof with 0x87, after a normal server-first-message")
    void wrongPassword() throws Exception {
        ScramSha256Server server = new ScramSha256Server(Map.of("user", PENCIL)::get, SECRET);
        ScramClient client = new ScramClient("user", "crayon");
        Step first = server.respond(client.clientFirst());
        assertThat(first.status()).isEqualTo(Status.CONTINUE);
        Step fin = server.respond(client.clientFinal(first.data()));
        assertThat(fin.status()).isEqualTo(Status.FAILURE);
        assertThat(fin.code()).isEqualTo(ReasonCode.NOT_AUTHORIZED);
        assertThat(fin.why()).doesNotContain("crayon");
    }

    @Test
    @DisplayName("an unknown user gets a server-first-message of the same shape (stable salt) and fails like a wrong password")
    void unknownUserLooksLikeKnown() throws Exception {
        ScramSha256Server server = new ScramSha256Server(Map.of("user", PENCIL)::get, SECRET);
        ScramClient client = new ScramClient("nobody", "pencil");
        Step first = server.respond(client.clientFirst());
        assertThat(first.status()).isEqualTo(Status.CONTINUE);
        assertThat(s(first.data())).matches("r=[^,]+,s=[A-Za-z0-9+/=]{24},i=4096");
        Step again = new ScramSha256Server(Map.<String, ScramCredentials>of()::get, SECRET).respond(new ScramClient("nobody", "x").clientFirst());
        assertThat(s(again.data()).split(",")[1]).isEqualTo(s(first.data()).split(",")[1]);
        Step fin = server.respond(client.clientFinal(first.data()));
        assertThat(fin.status()).isEqualTo(Status.FAILURE);
        assertThat(fin.code()).isEqualTo(ReasonCode.NOT_AUTHORIZED);
    }

    @Test
    @DisplayName("a tampered nonce, channel binding data or proof, a channel binding request and malformed messages fail")
    void malformedAndTampered() {
        assertThat(server().respond(b("p=tls-unique,,n=user,r=abc")).status()).isEqualTo(Status.FAILURE);
        assertThat(server().respond(b("n,,r=abc")).status()).isEqualTo(Status.FAILURE);
        assertThat(server().respond(b("n,,m=ext,n=user,r=abc")).status()).isEqualTo(Status.FAILURE);
        assertThat(server().respond(b("n,,n=us=er,r=abc")).status()).isEqualTo(Status.FAILURE);
        assertThat(server().respond(b("n,a=admin,n=user,r=abc")).status()).isEqualTo(Status.FAILURE);
        assertThat(server().respond(null).status()).isEqualTo(Status.FAILURE);
        for (String bad : new String[] {
                CLIENT_FINAL.replace("r=rOpr", "r=xOpr"),
                CLIENT_FINAL.replace("c=biws", "c=eSws"),
                CLIENT_FINAL.replace("p=dHzb", "p=eHzb"),
                "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
                CLIENT_FINAL.replace(",p=", ",p=!!")}) {
            ScramSha256Server server = server();
            assertThat(server.respond(b(CLIENT_FIRST)).status()).isEqualTo(Status.CONTINUE);
            Step fin = server.respond(b(bad));
            assertThat(fin.status()).as(bad).isEqualTo(Status.FAILURE);
            assertThat(fin.code()).isEqualTo(ReasonCode.NOT_AUTHORIZED);
        }
    }

    @Test
    @DisplayName("passwords are normalized like SASLprep maps them: a non-ASCII space is a space, a soft hyphen nothing, NFKC")
    void passwordNormalization() {
        byte[] salt = new byte[16];
        ScramCredentials plain = ScramCredentials.derive("pen cil".toCharArray(), salt, 4096);
        assertThat(ScramCredentials.derive("pen\u00A0cil".toCharArray(), salt, 4096)).isEqualTo(plain);
        assertThat(ScramCredentials.derive("pen \u00ADcil".toCharArray(), salt, 4096)).isEqualTo(plain);
        assertThat(ScramCredentials.derive("\uFF50en cil".toCharArray(), salt, 4096)).as("fullwidth p").isEqualTo(plain);
        assertThat(ScramCredentials.derive("pencil".toCharArray(), salt, 4096)).isNotEqualTo(plain);
    }

    @Test
    @DisplayName("the exchange ends after success or failure: a further message fails")
    void noReplayAfterEnd() {
        ScramSha256Server server = server();
        server.respond(b(CLIENT_FIRST));
        assertThat(server.respond(b(CLIENT_FINAL)).status()).isEqualTo(Status.SUCCESS);
        assertThat(server.respond(b(CLIENT_FINAL)).status()).isEqualTo(Status.FAILURE);
    }

    @Test
    @DisplayName("user names with ',' and '=' travel as =2C and =3D; 'y' (client could bind, thinks the server cannot) is accepted")
    void saslNamesAndYFlag() throws Exception {
        ScramCredentials c = ScramCredentials.derive("pw".toCharArray(), 4096);
        ScramSha256Server server = new ScramSha256Server(Map.of("a,b=c", c)::get, SECRET);
        ScramClient client = new ScramClient("a,b=c", "pw");
        Step first = server.respond(client.clientFirst());
        Step fin = server.respond(client.clientFinal(first.data()));
        assertThat(fin.status()).isEqualTo(Status.SUCCESS);
        assertThat(fin.user()).isEqualTo("a,b=c");
        assertThat(client.serverFinalValid(fin.data())).isTrue();
        assertThat(server().respond(b("y,,n=user,r=abc")).status()).isEqualTo(Status.CONTINUE);
    }
}
