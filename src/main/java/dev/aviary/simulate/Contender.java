package dev.aviary.simulate;

import java.util.List;

/** A way of judging a rollout, walked over simulated traffic. Stateless between runs. */
public interface Contender {

    String name();

    /** Walk the plan over run {@code run} of the traffic and say how the rollout ended. */
    RunResult run(List<PlanStep> plan, TrafficSource traffic, int run);
}
