package dev.aviary.simulate;

import java.util.List;

/** A way of judging a rollout, walked over simulated traffic. Stateless between runs. */
public interface Contender {

    String name();

    /** Walk the plan over run {@code run} of the traffic and say how the rollout ended. */
    RunResult run(List<PlanStep> plan, TrafficSource traffic, int run);

    /**
     * The judge as it is set up for one scenario before its runs (a judge tuned to the scenario's traffic calibrates
     * here, on runs of its own drawn with {@code seed}); most judges need nothing.
     */
    default Contender forScenario(Scenario scenario, List<PlanStep> plan, long seed) {
        return this;
    }
}
