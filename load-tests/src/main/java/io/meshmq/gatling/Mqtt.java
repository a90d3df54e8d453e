package io.meshmq.gatling;

/**
 * The Gatling MQTT DSL for Java simulations:
 * <pre>{@code
 * import static io.meshmq.gatling.Mqtt.*;
 *
 * MqttProtocolBuilder protocol = mqtt().hosts("10.0.0.1:1883", "10.0.0.2:1883").version("3.1.1").keepAlive(15);
 * ScenarioBuilder device = scenario("device")
 *     .exec(mqtt("connect").connect())
 *     .exec(mqtt("subscribe").subscribe("devices/#{deviceId}/cmd").qos(1))
 *     .exec(mqtt("publish").publish("devices/#{deviceId}/telemetry").payload("21.5").qos(1))
 *     .exec(mqtt("command").expect().topic("devices/#{deviceId}/cmd").timeout(Duration.ofSeconds(5)))
 *     .exec(mqtt("disconnect").disconnect());
 * }</pre>
 * Each action logs one request (its name is the argument of {@code mqtt(...)}) with its response time and OK/KO,
 * so Gatling's reports and assertions work as for HTTP.
 */
public final class Mqtt {
    private Mqtt() {}

    /** The protocol: hosts, MQTT version, keep-alive, credentials, TLS. */
    public static MqttProtocolBuilder mqtt() {
        return new MqttProtocolBuilder();
    }

    /** A request with this name in the report. */
    public static Request mqtt(String requestName) {
        return new Request(requestName);
    }

    /** Delivery accounting of the latest run (e.g. to print in a simulation's after()). */
    public static Tally tally(String name) {
        return MqttComponents.lastRunTallies.computeIfAbsent(name, Tally::new);
    }

    public static final class Request {
        private final String name;

        Request(String name) {
            this.name = name;
        }

        public ConnectAction.Builder connect() {
            return new ConnectAction.Builder(name);
        }

        /** Topic filter in Gatling EL. */
        public SubscribeAction.Builder subscribe(String filter) {
            return new SubscribeAction.Builder(name, Expr.el(filter));
        }

        public SubscribeAction.Builder subscribe(java.util.function.Function<io.gatling.javaapi.core.Session, String> filter) {
            return new SubscribeAction.Builder(name, Expr.fn(filter));
        }

        public UnsubscribeAction.Builder unsubscribe(String filter) {
            return new UnsubscribeAction.Builder(name, Expr.el(filter));
        }

        /** Topic in Gatling EL. */
        public PublishAction.Builder publish(String topic) {
            return new PublishAction.Builder(name, Expr.el(topic));
        }

        public PublishAction.Builder publish(java.util.function.Function<io.gatling.javaapi.core.Session, String> topic) {
            return new PublishAction.Builder(name, Expr.fn(topic));
        }

        /** Shorthand: {@code publish(topic).payload(payload).qos(qos).retain(retain)}. */
        public PublishAction.Builder publish(String topic, String payload, int qos, boolean retain) {
            return publish(topic).payload(payload).qos(qos).retain(retain);
        }

        /** Waits for a message; narrow it with topic(...) and/or correlation(...). */
        public ExpectAction.Builder expect() {
            return new ExpectAction.Builder(name);
        }

        /** Shorthand: one message on a topic filter within the timeout. */
        public ExpectAction.Builder expect(String topicFilter, java.time.Duration timeout) {
            return expect().topic(topicFilter).timeout(timeout);
        }

        /** Shorthand: {@code count} messages on a topic filter within the timeout. */
        public ExpectAction.Builder waitForMessages(String topicFilter, int count, java.time.Duration timeout) {
            return expect().topic(topicFilter).count(count).timeout(timeout);
        }

        public DisconnectAction.Builder disconnect() {
            return new DisconnectAction.Builder(name);
        }

        /** Waits until everything this client published with tally(name) has arrived at a tallied subscriber. */
        public AwaitDeliveredAction.Builder awaitDelivered(String tally) {
            return new AwaitDeliveredAction.Builder(name, tally);
        }
    }
}
