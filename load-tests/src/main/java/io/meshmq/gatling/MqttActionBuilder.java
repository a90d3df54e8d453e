package io.meshmq.gatling;

import io.gatling.core.action.Action;
import io.gatling.core.structure.ScenarioContext;
import io.gatling.javaapi.core.ActionBuilder;

/** What every MQTT action builder has: the request name in the report, and which of the user's clients it uses. */
public abstract class MqttActionBuilder<B extends MqttActionBuilder<B>> implements ActionBuilder {
    final String requestName;
    String clientName = "default";

    MqttActionBuilder(String requestName) {
        this.requestName = requestName;
    }

    /**
     * A virtual user may hold several connections (e.g. a device and the backend that queues messages for it while
     * it is offline); each has a name, "default" unless set.
     */
    @SuppressWarnings("unchecked")
    public B client(String name) {
        this.clientName = name;
        return (B) this;
    }

    abstract Action build(ScenarioContext ctx, Action next);

    @Override
    public io.gatling.core.action.builder.ActionBuilder asScala() {
        return this::build;
    }
}
