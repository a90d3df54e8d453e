package io.meshmq.k8s;

import java.util.List;

/** The paths the broker serves on its management port, that the StatefulSet's probes may use. */
final class ProbePaths {
    static final List<String> SERVED = List.of("/ready", "/alive", "/health/ready", "/health/alive");

    private ProbePaths() {}
}
