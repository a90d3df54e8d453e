package io.meshmq.jmh;

import io.meshmq.codec.QoS;
import io.meshmq.routing.ApplicationMessage;
import io.meshmq.routing.Deliverer;
import io.meshmq.routing.DeliveryAck;
import io.meshmq.routing.LocalSubscriptionRegistry;
import io.meshmq.routing.RetainedMessages;
import io.meshmq.routing.Router;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Router.route, the per-PUBLISH routing step on the publisher's connection: matching in the local index, grouping by
 * target, numbering the deliveries that ask for an acknowledgement. Deliveries go to a sink, so this measures the
 * router alone (no mailbox, no journal). Run with load-tests/jmh.sh.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RouterBenchmark {
    private ActorSystem<Void> system;
    private ActorRef<DeliveryAck> replyTo;
    private Router router;
    private List<ApplicationMessage> oneQos1;
    private List<ApplicationMessage> oneQos0;
    private List<ApplicationMessage> burstQos1;
    private long batch;
    private Blackhole sink;

    /** Counts what the router hands over, so that nothing is optimised away. */
    private final class Sink implements Deliverer {
        @Override
        public void deliver(String clientId, String sharedFilter, List<ApplicationMessage> messages,
                            ActorRef<DeliveryAck> to, long correlationId) {
            sink.consume(messages);
            sink.consume(correlationId);
        }
    }

    @Setup(Level.Trial)
    public void setUp(Blackhole blackhole) {
        sink = blackhole;
        system = ActorSystem.create(Behaviors.empty(), "jmh");
        replyTo = system.systemActorOf(Behaviors.<DeliveryAck>empty(), "acks", Props.empty());
        LocalSubscriptionRegistry registry = new LocalSubscriptionRegistry();
        for (int i = 0; i < 100; i++) registry.add("fan-out-" + i, "fan/out/#");
        registry.add("fan-in", "fan/in/+");
        router = new Router(registry, new Sink(), new RetainedMessages() {
            @Override public void retain(ApplicationMessage m, ActorRef<DeliveryAck> to, long correlationId, int index) {}

            @Override public CompletionStage<List<ApplicationMessage>> match(String filter) {
                return CompletableFuture.completedFuture(List.of());
            }
        });
        oneQos1 = List.of(message("fan/out/1", QoS.AT_LEAST_ONCE));
        oneQos0 = List.of(message("fan/out/1", QoS.AT_MOST_ONCE));
        burstQos1 = new ArrayList<>();
        for (int i = 0; i < 16; i++) burstQos1.add(message("fan/in/" + i, QoS.AT_LEAST_ONCE));
    }

    @TearDown(Level.Trial)
    public void tearDown() { system.terminate(); }

    private static ApplicationMessage message(String topic, QoS qos) {
        return new ApplicationMessage(topic, new byte[64], qos, false, "publisher", 1000, -1, null, null, null, null, List.of());
    }

    /** One QoS 1 PUBLISH to 100 subscribers (fan-out). */
    @Benchmark
    public int fanOut100Qos1() { return router.route(oneQos1, replyTo, (++batch) << 24); }

    /** One QoS 0 PUBLISH to 100 subscribers. */
    @Benchmark
    public int fanOut100Qos0() { return router.route(oneQos0, null, 0); }

    /** A burst of 16 QoS 1 PUBLISH packets read at once, to one subscriber (fan-in). */
    @Benchmark
    public int burst16Qos1ToOne() { return router.route(burstQos1, replyTo, (++batch) << 24); }
}
