package io.meshmq.auth;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AccessControlTest {
    static AccessControl acl(String... lines) throws IOException {
        return AccessControl.parse(List.of(lines), "test");
    }

    static final ClientIdentity DEV1 = new ClientIdentity("dev1", "alice", null);
    static final ClientIdentity ANON = new ClientIdentity("anon1", null, null);

    @Test
    @DisplayName("devices/%c/# allowed, everything else denied, for publish and subscribe")
    void ownSubtreeOnly() throws IOException {
        AccessControl a = acl("# own subtree", "allow all * devices/%c/#", "deny all * #");
        assertThat(a.mayPublish(DEV1, "devices/dev1/temp")).isTrue();
        assertThat(a.mayPublish(DEV1, "devices/dev2/temp")).isFalse();
        assertThat(a.maySubscribe(DEV1, "devices/dev1/#")).isTrue();
        assertThat(a.maySubscribe(DEV1, "devices/dev1/+/x")).isTrue();
        assertThat(a.maySubscribe(DEV1, "devices/+/temp")).as("wildcard reaching other devices").isFalse();
        assertThat(a.maySubscribe(DEV1, "#")).isFalse();
        assertThat(a.maySubscribe(DEV1, "$share/g/devices/dev1/x")).isTrue();
        assertThat(a.mayReceive(DEV1, "devices/dev1/x")).isTrue();
        assertThat(a.mayReceive(DEV1, "devices/dev2/x")).isFalse();
    }

    @Test
    @DisplayName("first match wins; no match denies; %u never matches anonymous clients; wildcard ids are not substituted")
    void firstMatchAndSubstitution() throws IOException {
        AccessControl a = acl("deny subscribe * devices/secret/#", "allow subscribe user:* users/%u/#",
                "allow subscribe * devices/#", "allow publish anonymous public/#");
        assertThat(a.maySubscribe(DEV1, "devices/secret/x")).isFalse();
        assertThat(a.maySubscribe(DEV1, "devices/other")).isTrue();
        assertThat(a.mayReceive(DEV1, "devices/secret/x")).isFalse();
        assertThat(a.maySubscribe(DEV1, "users/alice/inbox")).isTrue();
        assertThat(a.maySubscribe(ANON, "users/alice/inbox")).isFalse();
        assertThat(a.mayPublish(ANON, "public/x")).isTrue();
        assertThat(a.mayPublish(DEV1, "public/x")).isFalse();
        AccessControl own = acl("allow all * devices/%c/#");
        assertThat(own.maySubscribe(new ClientIdentity("#", null, null), "devices/#")).isFalse();
        assertThat(own.mayPublish(new ClientIdentity("a/b", null, null), "devices/a/b/c")).isFalse();
    }

    @Test
    @DisplayName("malformed rules name their line")
    void malformed() {
        assertThatThrownBy(() -> acl("allow all * a/#", "permit all * #")).hasMessageContaining("line 2");
        assertThatThrownBy(() -> acl("allow all nobody #")).hasMessageContaining("line 1");
        assertThatThrownBy(() -> acl("allow all * a/#/b")).hasMessageContaining("invalid topic filter");
    }
}
