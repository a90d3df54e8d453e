package io.meshmq.gatling;

import com.typesafe.scalalogging.Logger;
import io.gatling.commons.stats.KO$;
import io.gatling.commons.stats.OK$;
import io.gatling.commons.util.Clock;
import io.gatling.core.action.Action;
import io.gatling.core.action.ChainableAction;
import io.gatling.core.action.ExitableAction;
import io.gatling.core.session.Session;
import io.gatling.core.stats.StatsEngine;
import io.gatling.core.structure.ScenarioContext;
import scala.Option;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.UnaryOperator;

/**
 * The base of every MQTT action. Gatling calls {@link #execute} on the virtual user's event loop; an action starts its
 * I/O there and returns. The I/O completes on HiveMQ's threads, which take the end time and hop back to the event
 * loop ({@link #complete}) to log the response to the StatsEngine, update the session and pass it on with
 * {@code next ! session}.
 */
abstract class MqttAction implements ExitableAction {
    static final String CLIENT = "meshmq.mqtt.client.";
    static final String HOST = "meshmq.mqtt.host.";
    static final String LAST_PUBLISH = "meshmq.mqtt.lastPublish.";

    private final String requestName;
    final String clientName;
    private final Action next;
    private final StatsEngine statsEngine;
    private final Clock clock;
    final MqttComponents components;
    private Logger logger = Logger.apply(getClass());

    MqttAction(String requestName, String clientName, ScenarioContext ctx, Action next) {
        this.requestName = requestName;
        this.clientName = clientName;
        this.next = next;
        this.statsEngine = ctx.coreComponents().statsEngine();
        this.clock = ctx.coreComponents().clock();
        this.components = ctx.protocolComponentsRegistry().components(MqttProtocol.KEY);
    }

    /** Starts the work on the event loop; must end by calling {@link #complete} (from any thread) exactly once. */
    abstract void start(Session session, long startMillis);

    @Override
    public final void execute(Session session) {
        long t0 = clock.nowMillis();
        try {
            start(session, t0);
        } catch (RuntimeException e) {
            report(session, t0, clock.nowMillis(), message(e), UnaryOperator.identity());
        }
    }

    long now() {
        return clock.nowMillis();
    }

    MqttConnection connection(Session session) {
        Object c = session.attributes().getOrElse(CLIENT + clientName, () -> null);
        if (c == null) throw new IllegalStateException("client '" + clientName + "' is not connected");
        return (MqttConnection) c;
    }

    /** Logs the outcome and continues the scenario, on the virtual user's event loop. error == null means OK. */
    void complete(Session session, long start, long end, String error, UnaryOperator<Session> update) {
        if (session.eventLoop().inEventLoop()) {
            report(session, start, end, error, update);
            return;
        }
        try {
            session.eventLoop().execute(() -> report(session, start, end, error, update));
        } catch (RejectedExecutionException e) {
            logger().underlying().debug("event loop shut down; dropped {} for user {}", requestName, session.userId());
        }
    }

    private void report(Session session, long start, long end, String error, UnaryOperator<Session> update) {
        Session s = session;
        try {
            statsEngine.logResponse(s.scenario(), s.groups(), requestName, start, end,
                    error == null ? OK$.MODULE$ : KO$.MODULE$,
                    Option.apply(error == null ? null : "KO"), Option.apply(error));
            s = s.logGroupRequestTimings(start, end);
            if (error != null) s = s.markAsFailed();
            s = update.apply(s);
        } catch (RuntimeException e) {
            logger().underlying().error("{} failed to update the session", requestName, e);
        }
        next.$bang(s);
    }

    static String message(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null)
            t = t.getCause();
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    // ---- what Gatling's Scala traits need from a Java implementation (see docs/benchmarks.md, Gatling section)

    @Override
    public String name() {
        return requestName;
    }

    @Override
    public Action next() {
        return next;
    }

    @Override
    public StatsEngine statsEngine() {
        return statsEngine;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public Logger logger() {
        return logger;
    }

    @Override
    public void com$typesafe$scalalogging$StrictLogging$_setter_$logger_$eq(Logger logger) {
        this.logger = logger;
    }

    // The traits' static "$bang$" helpers are synthetic: javac cannot call them by name, a method handle can.
    private static final MethodHandle CHAINABLE_BANG = traitBang(ChainableAction.class);
    private static final MethodHandle ACTION_BANG = traitBang(Action.class);

    private static MethodHandle traitBang(Class<?> trait) {
        try {
            return MethodHandles.lookup().findStatic(trait, "$bang$", MethodType.methodType(void.class, trait, Session.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private void invoke(MethodHandle bang, Session session) {
        try {
            bang.invoke(this, session);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Synthetic super accessor of ExitableAction (no @Override: javac cannot see it): ChainableAction's {@code !}. */
    public void io$gatling$core$action$ExitableAction$$super$$bang(Session session) {
        invoke(CHAINABLE_BANG, session);
    }

    /** Synthetic super accessor of ChainableAction: Action's {@code !}. */
    public void io$gatling$core$action$ChainableAction$$super$$bang(Session session) {
        invoke(ACTION_BANG, session);
    }
}
